"""Formulas: TeX rendered offline to SVG images (ziamath), with a Unicode text fallback.

Why ziamath: pure Python (about 4 MB with latex2mathml and ziafont, no NumPy or native code),
about 8 ms a formula, and LaTeX coverage that includes environments (`cases`, `pmatrix`, ...)
which matplotlib's mathtext, the other offline candidate (over 100 MB with its dependencies,
0.45 s to import), refuses. Its SVG, written without SVG 2 `<symbol>` references, is drawn by
Qt's own SVG image plugin, so QTextBrowser shows it like any picture.

Rendered formulas are cached as files named by a hash of everything that shapes the picture,
in a folder the caller owns (the store's data folder); nothing is written or imported until
the first formula needs it.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import Element

INLINE_SIZE = 16.0  # px; body text is 15 px
DISPLAY_SIZE = 19.0
# Qt centres an inline image with "vertical-align: middle" a quarter x-height above the
# baseline; half the x-height of the 15 px body font is about 3.75 px.
HALF_X_HEIGHT = 3.75
_LAYOUT_VERSION = "1"


@dataclass(frozen=True)
class MathImage:
    path: Path
    width: float
    height: float


class MathImages:
    """Renders TeX to SVG files in `cache_dir`, reusing files rendered before."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._failed: set[str] = set()

    def image(self, tex: str, *, display: bool) -> MathImage | None:
        """The formula's picture, or None if it cannot be rendered (the caller shows text)."""
        tex = tex.strip()
        if not tex:
            return None
        key = _cache_key(tex, display)
        if key in self._failed:
            return None
        path = self.cache_dir / f"{key}.svg"
        size = _svg_size(path) if path.exists() else None
        if size is not None:
            return MathImage(path, *size)
        svg = _render_svg(tex, display)
        if svg is None:
            self._failed.add(key)
            return None
        _write_atomically(path, svg)
        size = _svg_size(path)
        return MathImage(path, *size) if size else None


def math_html(tex: str, *, display: bool, images: MathImages | None) -> str:
    image = images.image(tex, display=display) if images else None
    title = html.escape(tex.strip(), quote=True)
    if image is None:
        text = f'<i title="{title}">{tex_to_html(tex)}</i>'
        if display:
            return f'<p class="math" align="center">{text}</p>\n'
        return f'<span class="math">{text}</span>'
    img = (
        f'<img src="{html.escape(image.path.as_uri())}" width="{image.width:.0f}" '
        f'height="{image.height:.0f}" alt="{title}" title="{title}"'
    )
    if display:
        return f'<p class="math" align="center">{img} /></p>\n'
    return f'{img} style="vertical-align: middle" />'


@lru_cache(maxsize=1)
def _renderer_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ziamath")
    except PackageNotFoundError:
        return "none"


def _cache_key(tex: str, display: bool) -> str:
    shape = f"{_renderer_version()}|{_LAYOUT_VERSION}|{display}|{INLINE_SIZE}|{DISPLAY_SIZE}|{tex}"
    return hashlib.sha256(shape.encode()).hexdigest()


def _render_svg(tex: str, display: bool) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # its font lookup, not ours
            import ziamath

            ziamath.config.svg2 = False  # plain paths: Qt's SVG renderer has no <symbol> support
            formula = ziamath.Latex(
                tex, size=DISPLAY_SIZE if display else INLINE_SIZE, inline=not display
            )
            root = formula.svgxml()
            _, height = formula.getsize()
            descent = -float(formula.getyofst())
    except Exception:
        # A formula the renderer cannot handle is shown as text; the lesson still opens.
        return None
    if not display:
        _pad_for_baseline(root, float(height), descent)
    from xml.etree import ElementTree

    return str(ElementTree.tostring(root, encoding="unicode"))


def _pad_for_baseline(root: Element, height: float, descent: float) -> None:
    """Pad the picture so that, centred by Qt, the formula's baseline sits on the text's."""
    x, y, w, h = (float(v) for v in str(root.get("viewBox")).split())
    bottom = height - HALF_X_HEIGHT - 2 * descent
    if bottom >= 0:
        h += bottom
    else:
        top = -bottom
        y -= top
        h += top
    root.set("viewBox", f"{x:.3f} {y:.3f} {w:.3f} {h:.3f}")
    root.set("height", f"{h:.3f}")


_SIZE = re.compile(rb'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


def _svg_size(path: Path) -> tuple[float, float] | None:
    try:
        with path.open("rb") as f:
            head = f.read(600)
    except OSError:
        return None
    match = _SIZE.search(head)
    return (float(match[1]), float(match[2])) if match else None


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs rendering again next time


# A small TeX-to-Unicode pass: the fallback when a formula cannot be drawn.
_TEX_SYMBOLS = {
    r"\times": "×",
    r"\cdot": "·",
    r"\div": "÷",
    r"\pm": "±",
    r"\approx": "≈",
    r"\neq": "≠",
    r"\leq": "≤",
    r"\geq": "≥",
    r"\le": "≤",
    r"\ge": "≥",
    r"\to": "→",
    r"\rightarrow": "→",
    r"\Delta": "Δ",
    r"\delta": "δ",
    r"\pi": "π",
    r"\theta": "θ",
    r"\alpha": "α",
    r"\beta": "β",
    r"\mu": "μ",
    r"\lambda": "λ",
    r"\omega": "ω",
    r"\sigma": "σ",
    r"\infty": "∞",
    r"\quad": "  ",
    r"\,": " ",
    r"\;": " ",
    r"\!": "",
    r"\%": "%",
}
_SUP = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")


def tex_to_html(tex: str) -> str:
    text = tex.strip()
    for _ in range(3):  # nested fractions
        text = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\(?:text|mathrm|mathit|mathbf|operatorname)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", text)
    for name in sorted(_TEX_SYMBOLS, key=len, reverse=True):
        text = text.replace(name, _TEX_SYMBOLS[name])
    text = re.sub(r"\(([A-Za-z0-9.]+)\)/\(([A-Za-z0-9.]+)\)", r"\1/\2", text)
    text = re.sub(
        r"\^\{([0-9+\-=()n]+)\}|\^([0-9n])", lambda m: (m[1] or m[2]).translate(_SUP), text
    )
    text = re.sub(r"_\{([0-9+\-=()]+)\}|_([0-9])", lambda m: (m[1] or m[2]).translate(_SUB), text)
    text = text.replace("{", "").replace("}", "")
    return html.escape(text)

"""Markdown lessons to safe HTML for a rich-text view.

Raw HTML in a lesson is shown as text, never interpreted; remote images are never fetched (a
placeholder says so); local images and links to other lessons are resolved through callbacks so
that this module needs no knowledge of where media live.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

ImageResolver = Callable[[str], str | None]

_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_remote(src: str) -> bool:
    return bool(_REMOTE.match(src))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    return md


def local_references(markdown: str, lesson_path: str) -> tuple[set[str], set[str]]:
    """Package paths of the images and of the linked files a lesson refers to."""
    images: set[str] = set()
    links: set[str] = set()
    for token in _walk(_parser().parse(markdown)):
        if token.type == "image":
            src = str(token.attrGet("src") or "")
            if src and not is_remote(src):
                images.add(posixpath.normpath(posixpath.join(posixpath.dirname(lesson_path), src)))
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "").split("#", 1)[0]
            if href and not is_remote(href):
                links.add(posixpath.normpath(posixpath.join(posixpath.dirname(lesson_path), href)))
    return images, links


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


# A small TeX-to-Unicode pass so formulas read well offline; full math rendering comes later.
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


def render_lesson_html(
    markdown: str,
    *,
    resolve_image: ImageResolver | None = None,
    lesson_path: str = "",
) -> str:
    """HTML body for a lesson. `resolve_image` maps a package path to a URL, or None if absent."""
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parse(markdown, env)
    for token in _walk(tokens):
        if token.type == "image":
            src = str(token.attrGet("src") or "")
            alt = "".join(c.content for c in token.children or []) or src
            if is_remote(src):
                _to_placeholder(
                    token, f"[Image not loaded: {alt} — Slate never fetches remote images]"
                )
                continue
            package_path = posixpath.normpath(posixpath.join(posixpath.dirname(lesson_path), src))
            url = resolve_image(package_path) if resolve_image else None
            if url is None:
                _to_placeholder(token, f"[Missing image: {alt}]")
            else:
                token.attrSet("src", url)
        elif token.type in ("math_inline", "math_inline_double"):
            token.type = "html_inline"
            token.content = f'<span class="math"><i>{tex_to_html(token.content)}</i></span>'
        elif token.type == "math_block":
            token.type = "html_block"
            token.content = (
                f'<p class="math" align="center"><i>{tex_to_html(token.content)}</i></p>\n'
            )
    # html_inline/html_block tokens only come from the rewrites above: the parser runs with
    # html disabled, so a lesson's own raw HTML arrived as escaped text.
    return str(md.renderer.render(tokens, md.options, env))


def _to_placeholder(token: Token, text: str) -> None:
    token.type = "html_inline"
    token.tag = ""
    token.children = None
    token.content = f'<span class="placeholder">{html.escape(text)}</span>'

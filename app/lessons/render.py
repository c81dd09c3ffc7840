"""Markdown lessons to HTML that QTextBrowser shows faithfully and safely.

Raw HTML in a lesson is shown as text, never interpreted (the parser runs with HTML off, and
every tag in the output comes from the render rules here); remote images are never fetched (a
placeholder says so); local images are resolved through a callback, so this module needs no
knowledge of where media live.

Folded boxes (solutions, hints) need no re-parsing to open: a lesson renders once into parts,
and `RenderedLesson.html(expanded)` joins them with the chosen boxes open or closed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.lessons.boxes import (
    BOX_KINDS,
    GENERIC_BOX,
    box_kind,
    close_box,
    fold_link,
    header_html,
    open_box,
)
from app.lessons.code import code_block_html
from app.lessons.links import fold_href, is_remote, package_path
from app.lessons.math import MathImages, math_html
from app.lessons.parser import lesson_parser

ImageResolver = Callable[[str], str | None]

# Markers around a folded box in the rendered text; markdown-it turns NUL in a lesson into
# U+FFFD, so they cannot come from the lesson itself.
_FOLD_START = "\x00F"
_FOLD_END = "\x00/F\x00"
FIGURE_INSET_PER_BOX = 5  # percent
_ANCHOR = re.compile(r'\s(?:id|name)="([^"]+)"')


@dataclass(frozen=True)
class Fold:
    """A box shown closed until the learner opens it."""

    id: str
    name: str
    header: str
    parts: tuple[Part, ...]
    anchors: frozenset[str] = frozenset()


Part = str | Fold


@dataclass(frozen=True)
class RenderedLesson:
    title: str  # from the YAML front matter; "" when there is none
    parts: tuple[Part, ...]
    anchors: frozenset[str] = field(default_factory=frozenset)

    def html(self, expanded: Collection[str] = ()) -> str:
        return _join(self.parts, frozenset(expanded))

    @property
    def fold_ids(self) -> list[str]:
        return [fold.id for fold in _folds(self.parts)]

    def folds_around(self, anchor: str) -> list[str]:
        """The folds to open so that `anchor` is on screen."""
        return [fold.id for fold in _folds(self.parts) if anchor in fold.anchors]


def render_lesson(
    markdown: str,
    *,
    resolve_image: ImageResolver | None = None,
    lesson_path: str = "",
    math_cache: Path | None = None,
    for_teacher: bool = False,
) -> RenderedLesson:
    """Render a lesson once; `RenderedLesson.html()` gives its HTML with folds open or shut.

    `resolve_image` maps a package path to a URL, or None if absent. Formulas become SVG
    pictures cached in `math_cache`, or Unicode text when it is None or a formula fails.
    Instructor notes are left out unless `for_teacher`.
    """
    md = _rendering_parser()
    env: dict[str, Any] = {}
    tokens = md.parse(markdown, env)
    title = _front_matter_title(tokens)
    _name_boxes(tokens)
    if not for_teacher:
        tokens = _without_teacher_boxes(tokens)
    _lift_box_titles(tokens)
    _mark_task_items(tokens)
    _center_figures(tokens)
    context = _Context(
        resolve_image=resolve_image,
        lesson_path=lesson_path,
        math=MathImages(math_cache) if math_cache else None,
    )
    env["slate"] = context
    text = str(md.renderer.render(tokens, md.options, env))
    parts = _split_folds(text, context.folds)
    return RenderedLesson(title, parts, _anchors_in(parts))


def render_lesson_html(
    markdown: str,
    *,
    resolve_image: ImageResolver | None = None,
    lesson_path: str = "",
    math_cache: Path | None = None,
    for_teacher: bool = False,
    expanded: Collection[str] = (),
) -> str:
    """HTML body for a lesson (folded boxes closed unless named in `expanded`)."""
    return render_lesson(
        markdown,
        resolve_image=resolve_image,
        lesson_path=lesson_path,
        math_cache=math_cache,
        for_teacher=for_teacher,
    ).html(expanded)


@dataclass
class _Context:
    resolve_image: ImageResolver | None
    lesson_path: str
    math: MathImages | None
    folds: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> name, header
    fold_counts: dict[str, int] = field(default_factory=dict)
    box_depth: int = 0


# --- token passes -------------------------------------------------------------------------


def _front_matter_title(tokens: list[Token]) -> str:
    if not tokens or tokens[0].type != "front_matter":
        return ""
    import yaml

    try:
        data = yaml.safe_load(tokens[0].content)
    except yaml.YAMLError:
        return ""  # front matter is metadata for other tools; a broken one hides nothing
    title = data.get("title") if isinstance(data, dict) else None
    return str(title).strip() if title is not None else ""


def _name_boxes(tokens: list[Token]) -> None:
    """Give each box's opening and closing token the box's name (`::: {.solution}` too)."""
    open_names: list[str] = []
    for token in tokens:
        if not token.type.startswith("container_"):
            continue
        if token.nesting == 1:
            kind = token.type[len("container_") : -len("_open")]
            if kind == GENERIC_BOX:
                words = token.info.strip().strip("{}").lstrip(".").split()
                kind = words[0].lower() if words else GENERIC_BOX
            open_names.append(kind)
            token.meta["name"] = kind
        elif open_names:
            token.meta["name"] = open_names.pop()


def _without_teacher_boxes(tokens: list[Token]) -> list[Token]:
    kept: list[Token] = []
    depth = 0
    for token in tokens:
        is_box = token.type.startswith("container_")
        if depth:
            depth += token.nesting if is_box else 0
            continue
        if is_box and token.nesting == 1 and box_kind(token.meta["name"]).teachers_only:
            depth = 1
            continue
        kept.append(token)
    return kept


def _lift_box_titles(tokens: list[Token]) -> None:
    """A heading that opens a box becomes the box's title, shown in its header."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            token.type.startswith("container_")
            and token.nesting == 1
            and i + 3 < len(tokens)
            and tokens[i + 1].type == "heading_open"
        ):
            token.meta["title"] = tokens[i + 2]
            token.meta["anchor"] = tokens[i + 1].attrGet("id") or ""
            del tokens[i + 1 : i + 4]
        i += 1


def _mark_task_items(tokens: list[Token]) -> None:
    """Task list items get Qt's own check-box markers instead of <input> elements."""
    for i, token in enumerate(tokens):
        if token.type != "list_item_open" or "task-list-item" not in str(
            token.attrGet("class") or ""
        ):
            continue
        inline = next((t for t in tokens[i + 1 :] if t.type == "inline"), None)
        if inline and inline.children and inline.children[0].type == "html_inline":
            box = inline.children.pop(0)
            checked = 'checked="checked"' in box.content
            token.attrs = {"class": "checked" if checked else "unchecked"}
            if inline.children and inline.children[0].type == "text":
                inline.children[0].content = inline.children[0].content.lstrip()


def _center_figures(tokens: list[Token]) -> None:
    """A paragraph holding nothing but a picture is a figure: centred, as lesson sites show it."""
    for i, token in enumerate(tokens[:-1]):
        inline = tokens[i + 1]
        if (
            token.type == "paragraph_open"
            and inline.type == "inline"
            and [c.type for c in inline.children or [] if c.type != "softbreak"] == ["image"]
        ):
            token.attrSet("align", "center")
            token.attrSet("class", "figure")


# --- render rules ---------------------------------------------------------------------------

RenderRule = Callable[..., str]


def _ctx(env: dict[str, Any]) -> _Context:
    context: _Context = env["slate"]
    return context


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    ctx = _ctx(env)
    src = str(token.attrGet("src") or "")
    alt = "".join(c.content for c in token.children or []) or token.content
    if is_remote(src):
        return _placeholder(f"[Image not loaded: {alt or src} — Slate never fetches remote images]")
    path = package_path(ctx.lesson_path, src)
    url = ctx.resolve_image(path) if ctx.resolve_image else None
    if url is None:
        return _placeholder(f"[Missing image: {alt or src}]")
    attrs = f'src="{html.escape(url)}" alt="{html.escape(alt)}"'
    title = str(token.attrGet("title") or alt)
    if title:
        attrs += f' title="{html.escape(title)}"'
    for key in ("width", "height"):
        value = str(token.attrGet(key) or "")
        if value.rstrip("px").isdigit():
            attrs += f' {key}="{value.rstrip("px")}"'
    # QTextBrowser takes percentages of the page, even inside a box: leave room for borders.
    attrs += f' style="max-width: {100 - FIGURE_INSET_PER_BOX * ctx.box_depth}%"'
    return f"<img {attrs} />"


def _placeholder(text: str) -> str:
    return f'<span class="placeholder">{html.escape(text)}</span>'


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return code_block_html(token.content, token.info)


def _code_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return code_block_html(tokens[idx].content, "")


def _math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return math_html(tokens[idx].content, display=False, images=_ctx(env).math)


def _math_display(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    body = math_html(token.content, display=True, images=_ctx(env).math)
    if token.type == "math_block_label" and token.info:
        body = body.replace("</p>", f"&nbsp;&nbsp;({html.escape(token.info)})</p>", 1)
    return body


def _kbd(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return f'<span class="kbd">&nbsp;{html.escape(tokens[idx].content)}&nbsp;</span>'


def _box(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    ctx = _ctx(env)
    name = str(token.meta.get("name", GENERIC_BOX))
    kind = box_kind(name)
    if token.nesting == -1:
        ctx.box_depth -= 1
        return _FOLD_END if kind.folded else close_box()
    ctx.box_depth += 1
    title_token: Token | None = token.meta.get("title")
    title = self.renderInline(title_token.children or [], options, env) if title_token else ""
    header = header_html(kind, title, token.meta.get("anchor", ""))
    if not kind.folded:
        return open_box(kind, name, header)
    count = ctx.fold_counts[name] = ctx.fold_counts.get(name, 0) + 1
    fold_id = f"{name}-{count}"
    ctx.folds[fold_id] = (name, header)
    return f"{_FOLD_START}{fold_id}\x00"


def _box_rules() -> dict[str, RenderRule]:
    rules: dict[str, RenderRule] = {}
    for name in [*BOX_KINDS, GENERIC_BOX]:
        rules[f"container_{name}_open"] = _box
        rules[f"container_{name}_close"] = _box
    return rules


@lru_cache(maxsize=1)
def _rendering_parser() -> MarkdownIt:
    """The lesson parser with Slate's render rules added (once; parsing alone needs none)."""
    md = lesson_parser()
    for name, rule in _RULES.items():
        md.add_render_rule(name, rule)
    return md


_RULES: dict[str, RenderRule] = {
    "image": _image,
    "fence": _fence,
    "code_block": _code_block,
    "math_inline": _math_inline,
    "math_inline_double": _math_display,
    "math_block": _math_display,
    "math_block_label": _math_display,
    "kbd": _kbd,
    **_box_rules(),
}


# --- folds --------------------------------------------------------------------------------


def _split_folds(text: str, folds: dict[str, tuple[str, str]]) -> tuple[Part, ...]:
    """Cut the rendered text at the fold markers into a tree of parts."""
    stack: list[tuple[str, list[Part]]] = [("", [])]
    pos = 0
    while True:
        start = text.find(_FOLD_START, pos)
        end = text.find(_FOLD_END, pos)
        if start < 0 and end < 0:
            stack[-1][1].append(text[pos:])
            break
        if start >= 0 and (end < 0 or start < end):
            stack[-1][1].append(text[pos:start])
            id_end = text.index("\x00", start + len(_FOLD_START))
            stack.append((text[start + len(_FOLD_START) : id_end], []))
            pos = id_end + 1
        elif len(stack) == 1:  # an end with no start: drop the marker, keep the text
            stack[-1][1].append(text[pos:end])
            pos = end + len(_FOLD_END)
        else:
            stack[-1][1].append(text[pos:end])
            fold_id, parts = stack.pop()
            name, header = folds[fold_id]
            stack[-1][1].append(
                Fold(fold_id, name, header, tuple(p for p in parts if p), _anchors_in(parts))
            )
            pos = end + len(_FOLD_END)
    while len(stack) > 1:  # never expected; if it happens, show the text rather than lose it
        _, parts = stack.pop()
        stack[-1][1].extend(parts)
    return tuple(p for p in stack[0][1] if p)


def _anchors_in(parts: Sequence[Part]) -> frozenset[str]:
    found: set[str] = set()
    for part in parts:
        if isinstance(part, Fold):
            found |= part.anchors
        else:
            found.update(html.unescape(a) for a in _ANCHOR.findall(part))
    return frozenset(found)


def _join(parts: Sequence[Part], expanded: frozenset[str]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind = box_kind(part.name)
        is_open = part.id in expanded
        link = fold_link(
            fold_href(part.id), kind.hide_text if is_open else kind.show_text, kind.accent
        )
        header = f"{'▾' if is_open else '▸'} {part.header}{link}"
        if is_open:
            out.append(open_box(kind, f"{part.name} open", header))
            out.append(_join(part.parts, expanded))
            out.append(close_box())
        else:
            out.append(open_box(kind, f"{part.name} closed", header, body=False))
            out.append(close_box(body=False))
    return "".join(out)


def _folds(parts: Sequence[Part]) -> list[Fold]:
    found: list[Fold] = []
    for part in parts:
        if isinstance(part, Fold):
            found.append(part)
            found.extend(_folds(part.parts))
    return found

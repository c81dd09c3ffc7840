"""The Markdown dialect of Slate lessons: one configured markdown-it parser.

CommonMark with raw HTML off (a lesson's own HTML arrives as text), plus tables,
strikethrough, footnotes, task lists, YAML front matter, heading anchors, `$`/`$$` math, the
fenced `:::` containers of Carpentries lessons, Pandoc attribute blocks after images
(`![](fig/x.svg){alt='...'}`) and `<kbd>` keys.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from app.lessons.boxes import BOX_KINDS, GENERIC_BOX


@lru_cache(maxsize=1)
def lesson_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(footnote_plugin)
    md.use(tasklists_plugin)
    # Heading ids like GitHub's and Pandoc's, so `[see](#exploring-other-directories)` works.
    md.use(anchors_plugin, min_level=1, max_level=6)
    # Pandoc's rule for inline math: no space inside the dollars, no digit right after the
    # closing one, so "costs $5 and $10" stays prose.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    for kind in BOX_KINDS:
        container_plugin(md, kind, validate=_named(kind))
    # Any other `::: name` still becomes a plain box instead of leaking its fences as text.
    container_plugin(md, GENERIC_BOX, validate=_any_name)
    md.inline.ruler.before("text", "pandoc_attrs", _pandoc_attrs)
    md.inline.ruler.before("text", "kbd", _kbd)
    return md


def _named(kind: str) -> Callable[..., bool]:
    def validate(params: str, *_args: object) -> bool:
        words = params.split()
        return bool(words) and words[0].strip("{}").lstrip(".").lower() == kind

    return validate


def _any_name(params: str, *_args: object) -> bool:
    return bool(re.fullmatch(r"\s*\{?\.?[\w-]+\}?\s*", params))


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


# `{#id .class key="value" key='value' key=value}` as Pandoc writes it after an image or link.
_ATTR = r"""(?:\#[\w:.-]+|\.[\w-]+|[\w-]+=(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"'{}]+))"""
_ATTR_BLOCK = re.compile(rf"\{{\s*({_ATTR}(?:\s+{_ATTR})*)\s*\}}")
_ONE_ATTR = re.compile(
    r"""\#(?P<id>[\w:.-]+)|\.(?P<cls>[\w-]+)|(?P<key>[\w-]+)=(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>[^\s"'{}]+))"""
)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _pandoc_attrs(state: StateInline, silent: bool) -> bool:
    """Attach a Pandoc attribute block to the image or link right before it."""
    if state.src[state.pos] != "{" or not state.tokens:
        return False
    before = state.tokens[-1]
    if before.type not in ("image", "link_close"):
        return False
    match = _ATTR_BLOCK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        target = before if before.type == "image" else _link_open_of(state.tokens)
        for attr in _ONE_ATTR.finditer(match[1]):
            if attr["id"]:
                target.attrSet("id", attr["id"])
            elif attr["cls"]:
                target.attrJoin("class", attr["cls"])
            else:
                raw = attr["dq"] if attr["dq"] is not None else attr["sq"]
                value = _ESCAPED.sub(r"\1", raw) if raw is not None else attr["bare"]
                if attr["key"] == "alt" and target.type == "image":
                    alt = Token("text", "", 0, content=value)
                    target.children = [alt]
                    target.content = value
                elif attr["key"] in ("title", "width", "height"):
                    target.attrSet(attr["key"], value)
    state.pos = match.end()
    return True


def _link_open_of(tokens: list[Token]) -> Token:
    depth = 0
    for token in reversed(tokens):
        if token.type == "link_close":
            depth += 1
        elif token.type == "link_open":
            depth -= 1
            if depth == 0:
                return token
    return tokens[-1]


_KBD = re.compile(r"<kbd>([^<>\n]{1,40})</kbd>", re.IGNORECASE)


def _kbd(state: StateInline, silent: bool) -> bool:
    """`<kbd>Tab</kbd>`, the one inert tag lessons use for keys, becomes a key label.

    Any other raw HTML (and anything inside `<kbd>` that is not plain text) stays text.
    """
    if state.src[state.pos] != "<":
        return False
    match = _KBD.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("kbd", "", 0)
        token.content = html.unescape(match[1])
    state.pos = match.end()
    return True

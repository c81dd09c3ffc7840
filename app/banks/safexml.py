"""Parsing XML from outside safely, with the line of every element.

defusedxml refuses entity declarations (the billion-laughs expansion and XXE both need them)
and external references, so no entity ever resolves and no local file is ever read. Its parser
is expat, whose current line we record for each element so that warnings can name lines.
"""

from __future__ import annotations

import html
import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from app.banks.model import BankImportError

_TAG_MISMATCH = xml.parsers.expat.errors.codes[xml.parsers.expat.errors.XML_ERROR_TAG_MISMATCH]


@dataclass
class XmlDoc:
    name: str
    root: Element
    _lines: dict[int, int] = field(default_factory=dict, repr=False)

    def line(self, elem: Element) -> int | None:
        return self._lines.get(id(elem))


class _LineTreeBuilder(TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: Any = None
        # (tag, line) of the elements still open, to say where an unclosed one began.
        self.open: list[tuple[str, int]] = []

    def start(self, tag: Any, attrs: Any) -> Element:
        elem = super().start(tag, attrs)
        line = self.parser.parser.CurrentLineNumber
        self.lines[id(elem)] = line
        self.open.append((local(tag), line))
        return elem

    def end(self, tag: Any) -> Element:
        if self.open:
            self.open.pop()
        return super().end(tag)


def parse_xml(data: bytes, name: str) -> XmlDoc:
    """Parse `data` (the file `name`) or raise BankImportError naming the file and line."""
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as exc:
        line, column = exc.position
        reason = xml.parsers.expat.ErrorString(exc.code) if exc.code else str(exc)
        if exc.code == _TAG_MISMATCH and builder.open:
            # Expat notices at the closing tag; the mistake is the element left open before it.
            tag, opened = builder.open[-1]
            raise BankImportError(
                name,
                f"malformed XML near line {opened}: <{tag}> opened on line {opened} is not "
                f"closed before line {line}, column {column + 1} ({reason})",
            ) from None
        raise BankImportError(
            name, f"malformed XML near line {line}, column {column + 1}: {reason}"
        ) from None
    except DefusedXmlException as exc:
        line = parser.parser.CurrentLineNumber
        found = getattr(exc, "name", None)
        what = f"the entity {found!r}" if found else type(exc).__name__
        raise BankImportError(
            name,
            f"XML entity declarations and external references are not allowed (found "
            f"{what}): refused to protect against XXE and entity-expansion attacks",
            line,
        ) from None
    return XmlDoc(name, root, builder.lines)


def local(tag: Any) -> str:
    """`{namespace}name` -> `name`."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(elem: Element, name: str) -> list[Element]:
    return [c for c in elem if local(c.tag) == name]


def child(elem: Element, name: str) -> Element | None:
    return next((c for c in elem if local(c.tag) == name), None)


def descendants(elem: Element, name: str) -> list[Element]:
    return [e for e in elem.iter() if local(e.tag) == name]


_VOID = {"br", "hr", "img", "col", "area", "input", "wbr", "source", "track", "param"}


def inner_html(elem: Element, replace: dict[int, str] | None = None) -> str:
    """The children of `elem` as HTML (namespaces dropped); elements whose id() is a key of
    `replace` are written as that text instead (an interaction becomes its prompt)."""
    parts: list[str] = [html.escape(elem.text or "", quote=False)]
    for sub in elem:
        parts.append(_outer_html(sub, replace or {}))
        parts.append(html.escape(sub.tail or "", quote=False))
    return "".join(parts).strip()


def _outer_html(elem: Element, replace: dict[int, str]) -> str:
    if id(elem) in replace:
        return replace[id(elem)]
    tag = local(elem.tag)
    attrs = "".join(
        f' {k}="{html.escape(v)}"'
        for k, v in elem.attrib.items()
        if not k.startswith("{") and k != "xmlns"
    )
    if tag in _VOID:
        return f"<{tag}{attrs}>"
    inner = html.escape(elem.text or "", quote=False)
    for sub in elem:
        inner += _outer_html(sub, replace) + html.escape(sub.tail or "", quote=False)
    return f"<{tag}{attrs}>{inner}</{tag}>"

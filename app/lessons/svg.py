"""SVG figures reshaped for Qt's SVG renderer, which implements SVG Tiny 1.2.

Tiny 1.2 ignores `x`/`y` on a `<tspan>` and drops a `<tspan>` inside another one. Drawing
tools (Inkscape, LibreOffice) write every text line that way, so their figures would show
without labels, or with all lines of a label run together. Each such `<text>` is rewritten as
one `<text>` per positioned line, holding one level of `<tspan>` with the styles it inherited.
The stored file is never changed; this runs on the bytes being shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from defusedxml import ElementTree as SafeET  # no entity expansion, no external fetches

SVG_NS = "http://www.w3.org/2000/svg"
_TEXT = f"{{{SVG_NS}}}text"
_TSPAN = f"{{{SVG_NS}}}tspan"
# Presentation attributes a <tspan> passes on to the text inside it.
_INHERITED = (
    "fill",
    "fill-opacity",
    "stroke",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-decoration",
    "letter-spacing",
)
for _prefix, _uri in {
    "": SVG_NS,
    "xlink": "http://www.w3.org/1999/xlink",
    "sodipodi": "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "inkscape": "http://www.inkscape.org/namespaces/inkscape",
}.items():
    register_namespace(_prefix, _uri)


def qt_compatible_svg(data: bytes) -> bytes:
    """The same picture in SVG that Qt draws completely; `data` itself when nothing changes."""
    if b"tspan" not in data:
        return data
    try:
        root = SafeET.fromstring(data)
    except Exception:
        return data  # let Qt report what it cannot read
    changed = False
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == _TEXT and _needs_rewrite(child):
                index = list(parent).index(child)  # earlier rewrites moved it
                parent.remove(child)
                for offset, line in enumerate(_rewrite(child)):
                    parent.insert(index + offset, line)
                changed = True
    return tostring(root, encoding="utf-8", xml_declaration=True) if changed else data


def _needs_rewrite(text: Element) -> bool:
    for tspan in text.iter(_TSPAN):
        if "x" in tspan.attrib or "y" in tspan.attrib:
            return True
        if any(child.tag == _TSPAN for child in tspan):
            return True
    return False


@dataclass
class _Line:
    x: str | None
    y: str | None
    chunks: list[tuple[str, str]] = field(default_factory=list)  # (style, text)


def _rewrite(text: Element) -> list[Element]:
    lines = [_Line(text.get("x"), text.get("y"))]

    def visit(node: Element, style: str, top: bool) -> None:
        if not top:
            x, y = node.get("x"), node.get("y")
            if x is not None or y is not None:
                last = lines[-1]
                lines.append(_Line(x if x is not None else last.x, y if y is not None else last.y))
            style = _merged_style(style, node)
        _add(node.text, style)
        for child in node:
            if child.tag == _TSPAN:
                visit(child, style, False)
            _add(child.tail, style)

    def _add(chunk: str | None, style: str) -> None:
        if chunk and not (chunk.isspace() and "\n" in chunk):
            lines[-1].chunks.append((style, " ".join(chunk.split()) or " "))

    visit(text, "", True)
    out = []
    for line in lines:
        if not line.chunks:
            continue
        element = Element(_TEXT, {k: v for k, v in text.attrib.items() if k not in ("x", "y")})
        if line.x is not None:
            element.set("x", line.x.split()[0])
        if line.y is not None:
            element.set("y", line.y.split()[0])
        for style, chunk in line.chunks:
            span = SubElement(element, _TSPAN)
            if style:
                span.set("style", style)
            span.text = chunk
        out.append(element)
    return out


def _merged_style(inherited: str, node: Element) -> str:
    declarations = [d for d in inherited.split(";") if d.strip()]
    declarations += [f"{name}:{node.get(name)}" for name in _INHERITED if node.get(name)]
    declarations += [d for d in (node.get("style") or "").split(";") if d.strip()]
    return ";".join(declarations)

"""SVG figures from drawing tools, reshaped so Qt's SVG Tiny renderer draws their labels."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from PySide6.QtCore import QBuffer, QByteArray
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter

from app.lessons.svg import SVG_NS, qt_compatible_svg
from tests.lessons.conftest import shell_novice

TSPAN = f"{{{SVG_NS}}}tspan"
TEXT = f"{{{SVG_NS}}}text"


def raster(data: bytes) -> QImage:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    image = QImageReader(buffer, QByteArray(b"svg")).read()
    assert not image.isNull()
    canvas = QImage(image.size(), QImage.Format.Format_RGB32)
    canvas.fill(QColor("white"))
    painter = QPainter(canvas)
    painter.drawImage(0, 0, image)
    painter.end()
    return canvas


def dark_pixels(image: QImage) -> int:
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if QColor(image.pixel(x, y)).lightness() < 100
    )


def labels(data: bytes) -> list[str]:
    root = ElementTree.fromstring(data)
    return sorted(
        " ".join("".join(t.itertext()).split())
        for t in root.iter(TEXT)
        if "".join(t.itertext()).strip()
    )


def reshaped(corpus: Path, figure: str) -> tuple[bytes, bytes]:
    original = (shell_novice(corpus) / "episodes" / "fig" / figure).read_bytes()
    fixed = qt_compatible_svg(original)
    root = ElementTree.fromstring(fixed)
    # What Qt cannot draw is gone: no nested or positioned <tspan> remains...
    for tspan in root.iter(TSPAN):
        assert "x" not in tspan.attrib and "y" not in tspan.attrib
        assert not any(child.tag == TSPAN for child in tspan)
    # ...and not one letter of the labels is lost.
    assert sorted("".join(labels(fixed)).replace(" ", "")) == sorted(
        "".join(labels(original)).replace(" ", "")
    )
    return original, fixed


def test_nested_tspan_labels_are_drawn(qapp, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    original, fixed = reshaped(corpus, "filesystem-challenge.svg")
    assert {"Users", "thing", "backup", "pnas_final", "2013-01-27"} <= set(labels(fixed))
    before, after = raster(original), raster(fixed)
    assert before.size() == after.size()
    assert dark_pixels(after) > dark_pixels(before) * 1.05  # Qt painted no label before


def ink_rows(image: QImage, left: int, top: int, right: int, bottom: int) -> int:
    return sum(
        1
        for y in range(top, bottom)
        if any(QColor(image.pixel(x, y)).lightness() < 100 for x in range(left, right))
    )


def test_lines_of_a_label_stay_on_their_own_lines(qapp, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    original, fixed = reshaped(corpus, "shell_script_for_loop_flow_chart.svg")
    assert {"for filename in *.dat", "do", "done", "New", "value?"} <= set(labels(fixed))
    # The script box at the top left: four lines of code, which Qt ran into one before.
    before, after = raster(original), raster(fixed)
    assert ink_rows(after, 30, 20, 400, 110) > 2 * ink_rows(before, 30, 20, 400, 110)


def test_svg_without_tspans_is_passed_through_untouched() -> None:
    plain = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<text x="1" y="9">a</text></svg>'
    )
    assert qt_compatible_svg(plain) is plain


def test_hostile_svg_is_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text><tspan x="1">&b;</tspan></text></svg>'
    )
    assert qt_compatible_svg(bomb) is bomb  # refused by defusedxml: left for Qt to judge
    external = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text><tspan x="1">&x;</tspan></text></svg>'
    )
    assert b"root:" not in qt_compatible_svg(external)

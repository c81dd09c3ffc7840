"""Formulas in the lesson reader: pictures drawn offline, cached in the store's data folder."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument

from app.db.store import Store
from tests.lessons.conftest import open_reader
from tests.lessons.helpers import images_in

COURSE = "demo.speed-distance-time"


def test_formulas_show_as_pictures_cached_in_the_store(qtbot, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    reader = open_reader(qtbot, demo_store)
    cache = demo_store.data_dir / "cache" / "math"
    assert not cache.exists()  # nothing is written before a formula is shown
    reader.show_lesson(COURSE, "lesson-what-is-speed")
    files = sorted(cache.glob("*.svg"))
    assert files
    document = reader.browser.document()
    formulas = [n for n in images_in(document) if n.startswith(cache.as_uri())]
    assert len(formulas) >= len(files)  # the same formula twice is one file
    for name in formulas:
        image = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        assert isinstance(image, QImage) and not image.isNull()
    text = reader.browser.toPlainText()
    assert "$" not in text and "\\frac" not in text
    stamps = [f.stat().st_mtime_ns for f in files]
    reader.show_lesson(COURSE, "lesson-what-is-speed")
    assert [f.stat().st_mtime_ns for f in sorted(cache.glob("*.svg"))] == stamps

"""The search box in the main window: results with highlights, hits opening in place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.courses.importer import import_course
from app.db.store import Store
from app.profiles import create_profile, list_profiles
from ui.context import AppContext
from ui.main_window import MainWindow


def open_window(qtbot, store: Store) -> MainWindow:  # type: ignore[no-untyped-def]
    with store.write() as session:
        create_profile(session, "Amina")
    window = MainWindow(AppContext(store), start_sync=False)
    qtbot.addWidget(window)
    window.show()
    window.choose_profile(store_profile(store))
    return window


def store_profile(store: Store):  # type: ignore[no-untyped-def]
    with store.read() as session:
        return list_profiles(session)[0]


def type_search(qtbot, window: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    window.search_box.clear()
    if text.isascii():
        qtbot.keyClicks(window.search_box, text)
    else:
        window.search_box.setText(text)  # QTest can only type ASCII keys
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)


def row_of(window: MainWindow, kind: str, item_id: str) -> int:
    page = window.search_page
    return next(i for i, h in enumerate(page.hits) if h.kind == kind and h.item_id == item_id)


def click_row(qtbot, window: MainWindow, row: int) -> None:  # type: ignore[no-untyped-def]
    results = window.search_page.results
    item = results.item(row)
    results.scrollToItem(item)
    rect = results.visualItemRect(item)
    qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_search_box_opens_a_lesson_at_the_heading(qtbot, demo_store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_store)
    try:
        type_search(qtbot, window, "cheetah")
        page = window.search_page
        assert window.stack.currentWidget() is page
        assert page.results.count() == len(page.hits) > 0
        label = page.results.itemWidget(page.results.item(0))
        assert isinstance(label, QLabel)
        assert "<b>cheetah</b>" in label.text()
        assert "Speed in everyday life" in label.text()

        click_row(qtbot, window, row_of(window, "lesson", "lesson-what-is-speed"))
        reader = window.lesson
        assert window.stack.currentWidget() is reader
        assert reader.item_id == "lesson-what-is-speed"
        # The reader is scrolled so the hit's heading is at the top of the view.
        bar = reader.browser.verticalScrollBar()
        assert bar.value() > 0
        block = reader.browser.textCursor().block()
        assert block.text() == "Speed in everyday life"
        assert block.blockFormat().headingLevel() > 0
        top = reader.browser.document().documentLayout().blockBoundingRect(block).top()
        assert abs(bar.value() - top) <= 1
        # Back leads to the hit's course.
        qtbot.mouseClick(reader.back_button, Qt.MouseButton.LeftButton)
        assert window.stack.currentWidget() is window.outline
        assert window.outline.course_id == "demo.speed-distance-time"
    finally:
        window.shutdown()


def test_search_box_opens_a_video_at_the_cue(qtbot, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_store)
    try:
        type_search(qtbot, window, "rearranged distance")
        row = row_of(window, "transcript", "intro-video")
        hit = window.search_page.hits[row]
        assert hit.time_s is not None and hit.time_s > 20
        window.search_page.results.setCurrentRow(row)
        qtbot.keyClick(window.search_page.results, Qt.Key.Key_Return)
        video = window.video
        assert window.stack.currentWidget() is video
        assert video.item_id == "intro-video"
        target_ms = hit.time_s * 1000
        qtbot.waitUntil(lambda: abs(video.player.position() - target_ms) < 500, timeout=20000)
        # The caption shown is the cue the words are in.
        qtbot.waitUntil(lambda: "Rearranged" in video.caption.text(), timeout=5000)
    finally:
        window.shutdown()


def test_hostile_and_empty_queries_show_no_error(qtbot, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_store)
    try:
        for text in ('NEAR("', "*", '"-', "😀"):
            type_search(qtbot, window, text)
            assert window.stack.currentWidget() is window.search_page
            assert window.search_page.results.count() == 0
            assert "Nothing found" in window.search_page.empty.text()
        window.show_courses()
        type_search(qtbot, window, "   ")
        assert window.stack.currentWidget() is window.courses  # nothing to search for
    finally:
        window.shutdown()


def test_search_indexes_a_course_imported_in_the_window(
    qtbot, store: Store, demo_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, store)
    try:
        type_search(qtbot, window, "cheetah")
        assert window.search_page.hits == []
        task = window.import_package(demo_dir)
        with qtbot.waitSignal(task.finished, timeout=60000):
            pass
        type_search(qtbot, window, "cheetah")
        assert window.search_page.hits
    finally:
        window.shutdown()


def test_imported_demo_is_searchable_without_a_window(store: Store, demo_dir: Path) -> None:
    # The importer (not the window) keeps the index: a CLI import is searchable too.
    import_course(store, demo_dir)
    from app.search import search

    with store.read() as session:
        assert search(session, "cheetah")


def test_a_store_from_before_search_gets_its_index_built_in_the_background(
    qtbot, demo_store: Store
) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from app.search import DOCS, FTS

    with sqlite3.connect(demo_store.db_path) as conn:
        conn.execute(f"DROP TABLE {FTS}")
        conn.execute(f"DROP TABLE {DOCS}")
        conn.execute("DELETE FROM meta WHERE key = 'search.index_version'")
    window = open_window(qtbot, demo_store)
    try:
        type_search(qtbot, window, "cheetah")
        page = window.search_page
        assert "Preparing search" in page.heading.text()
        qtbot.waitUntil(lambda: bool(page.hits), timeout=30000)
        assert page.hits[0].anchor == "speed-in-everyday-life"
        assert "result" in page.heading.text()
    finally:
        window.shutdown()


def test_every_indexed_heading_of_the_corpus_lessons_can_be_scrolled_to(
    qtbot, store: Store, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Anchors from the index name headings the real reader shows (Carpentries lessons)."""
    import json
    import shutil

    from app.search import lesson_sections
    from ui.pages.lesson import LessonReader
    from ui.pages.search import scroll_to_heading

    package = tmp_path / "shell"
    shutil.copytree(corpus / "markdown" / "shell-novice" / "episodes", package / "episodes")
    episodes = sorted((package / "episodes").glob("*.md"))
    items = [
        {"id": e.stem, "title": e.stem, "kind": "lesson", "file": f"episodes/{e.name}"}
        for e in episodes
    ]
    manifest = {
        "format": "slate-course/1",
        "id": "shell",
        "version": "1",
        "title": "The Unix Shell",
        "modules": [{"id": "m1", "title": "Episodes", "items": items}],
    }
    (package / "course.json").write_text(json.dumps(manifest), encoding="utf-8")
    import_course(store, package)
    with store.write() as session:
        create_profile(session, "Amina")
    ctx = AppContext(store)
    ctx.set_profile(store_profile(store))
    reader = LessonReader(ctx)
    qtbot.addWidget(reader)
    reader.resize(900, 600)
    reader.show()
    checked = 0
    for episode in episodes:
        reader.show_lesson("shell", episode.stem)
        for section in lesson_sections(episode.read_text("utf-8")):
            if section.anchor:
                assert scroll_to_heading(reader.browser, section.anchor), (
                    f"{episode.name}#{section.anchor}"
                )
                checked += 1
    assert checked > 100


def test_a_transcript_hit_opens_the_video_in_the_hit_s_language(
    qtbot, store: Store, demo_dir: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    import json
    import shutil

    package = tmp_path / "pkg"
    shutil.copytree(demo_dir, package)
    (package / "media" / "speed-intro.sw.vtt").write_text(
        "WEBVTT\n\n00:00:02.000 --> 00:00:06.000\nKasi ni umbali kwa muda.\n", encoding="utf-8"
    )
    manifest = json.loads((package / "course.json").read_text())
    video = next(i for m in manifest["modules"] for i in m["items"] if i["kind"] == "video")
    video["subtitles"].append(
        {"language": "sw", "label": "Kiswahili", "file": "media/speed-intro.sw.vtt"}
    )
    (package / "course.json").write_text(json.dumps(manifest))
    import_course(store, package)
    window = open_window(qtbot, store)
    try:
        type_search(qtbot, window, "umbali")
        row = row_of(window, "transcript", video["id"])
        assert window.search_page.hits[row].language == "sw"
        window.search_page.results.setCurrentRow(row)
        qtbot.keyClick(window.search_page.results, Qt.Key.Key_Return)
        assert window.video.subtitle_choice.currentText() == "Kiswahili"
    finally:
        window.shutdown()

"""The video page through the real widgets, offscreen: transcript, chapters, languages, layout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QListWidget, QWidget

from app.courses.importer import import_course
from app.db.store import Store
from tests.media.conftest import COURSE, VIDEO_ITEM, edit_manifest, video_item
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages.video import VideoPlayerPage

WAIT_MS = 20000
READY = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
)
SPANISH_SRT = """1
00:00:00,600 --> 00:00:04,925
Bienvenidos a este vídeo corto
sobre la velocidad.

2
00:00:05,275 --> 00:00:10,047
La velocidad nos dice qué distancia recorre un objeto.

3
00:00:10,397 --> 00:00:16,600
Un ciclista recorre 20 metros cada 4 segundos.
"""


def demo_cues(package: Path) -> list[tuple[float, str]]:
    """(start, text) of each cue of the English subtitles, read without Slate's parser."""
    text = (package / "media" / "speed-intro.en.vtt").read_text("utf-8")
    cues = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip().splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        m, s = re.match(r"(?:\d+:)?(\d+):([\d.]+)", lines[timing]).groups()  # type: ignore[union-attr]
        cues.append((int(m) * 60 + float(s), " ".join(lines[timing + 1 :])))
    return cues


@pytest.fixture
def open_video(qtbot, tmp_path: Path, package: Path) -> Iterator:  # type: ignore[no-untyped-def]
    """Imports `package` (as changed by the test), opens its video at 1366x768."""
    windows: list[MainWindow] = []

    def opener() -> VideoPlayerPage:
        store = Store.open(tmp_path / "store")
        import_course(store, package)
        window = MainWindow(AppContext(store), start_sync=False)
        windows.append(window)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.profiles.add_profile("Amina")
        qtbot.mouseClick(window.profiles.open_button, Qt.MouseButton.LeftButton)
        window.open_course(COURSE)
        window.outline.open_item(VIDEO_ITEM)
        page = window.video
        qtbot.waitUntil(lambda: page.player.mediaStatus() in READY, timeout=WAIT_MS)
        return page

    yield opener
    for window in windows:
        window.shutdown()
        window.ctx.store.close()


def click_row(qtbot, rows: QListWidget, index: int) -> None:  # type: ignore[no-untyped-def]
    item = rows.item(index)
    rows.scrollToItem(item)
    qtbot.mouseClick(
        rows.viewport(), Qt.MouseButton.LeftButton, pos=rows.visualItemRect(item).center()
    )


def row_in_view(rows: QListWidget, index: int) -> bool:
    return rows.viewport().rect().intersects(rows.visualItemRect(rows.item(index)))


def test_transcript_follows_playback(qtbot, open_video, package: Path) -> None:  # type: ignore[no-untyped-def]
    # One line a second: far more lines than the panel shows at once.
    lines = [
        f"{s // 60:02d}:{s % 60:02d}.000 --> {s // 60:02d}:{s % 60:02d}.900\nLine {s}"
        for s in range(77)
    ]
    (package / "media" / "speed-intro.en.vtt").write_text("WEBVTT\n\n" + "\n\n".join(lines) + "\n")
    page = open_video()
    starts = [start for start, _text in demo_cues(package)]
    transcript = page.transcript
    assert transcript.list.count() == len(starts)

    def expected_row() -> int:
        position = page.player.position() / 1000
        return max(i for i, start in enumerate(starts) if start <= position)

    # Half-way: the list has to scroll, and keeps the spoken line in the middle of the view.
    middle = len(starts) // 2
    page.seek_ms(int(starts[middle] * 1000) - 300)
    page.play()
    qtbot.waitUntil(
        lambda: (
            page.player.position() > starts[middle] * 1000 + 100
            and transcript.current_index == expected_row()
        ),
        timeout=WAIT_MS,
    )
    page.pause()
    qtbot.waitUntil(lambda: transcript.current_index == expected_row(), timeout=WAIT_MS)
    current = transcript.current_index
    assert current >= middle
    assert row_in_view(transcript.list, current)
    assert not row_in_view(transcript.list, 0)
    view = transcript.list.viewport().rect()
    row_middle = transcript.list.visualItemRect(transcript.list.item(current)).center().y()
    assert view.height() / 3 < row_middle < view.height() * 2 / 3

    # And back at the start, it follows a seek.
    page.seek_ms(300)
    qtbot.waitUntil(lambda: transcript.current_index == 0, timeout=WAIT_MS)
    assert row_in_view(transcript.list, 0)


def test_transcript_filter_and_click_to_seek(qtbot, open_video, package: Path) -> None:  # type: ignore[no-untyped-def]
    page = open_video()
    cues = demo_cues(package)
    matching = [i for i, (_s, text) in enumerate(cues) if "metres" in text.casefold()]
    assert 0 < len(matching) < len(cues)
    transcript = page.transcript

    qtbot.keyClicks(transcript.filter, "METRES")
    assert transcript.visible_rows() == matching
    assert transcript.count.text() == f"{len(matching)} of {len(cues)} lines match"

    target = matching[-1]
    click_row(qtbot, transcript.list, target)
    start_ms = cues[target][0] * 1000
    qtbot.waitUntil(lambda: abs(page.player.position() - start_ms) < 400, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: transcript.current_index == target, timeout=WAIT_MS)

    transcript.filter.clear()
    assert transcript.visible_rows() == list(range(len(cues)))


def test_chapters_list_seeks(qtbot, open_video, package: Path) -> None:  # type: ignore[no-untyped-def]
    chapters = [
        {"title": "What speed is", "start_s": 0},
        {"title": "The formula", "start_s": 16.95},
        {"title": "Units", "start_s": 40},
    ]
    edit_manifest(package, lambda m: video_item(m).update(chapters=chapters))
    page = open_video()
    rows = page.chapter_list
    assert page.side.isTabVisible(page.side.indexOf(rows))
    assert [rows.item(i).text() for i in range(rows.count())] == [
        "0:00   What speed is",
        "0:16   The formula",
        "0:40   Units",
    ]
    page.side.setCurrentWidget(rows)
    click_row(qtbot, rows, 2)
    qtbot.waitUntil(lambda: abs(page.player.position() - 40000) < 400, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: rows.currentRow() == 2, timeout=WAIT_MS)
    click_row(qtbot, rows, 1)
    qtbot.waitUntil(lambda: abs(page.player.position() - 16950) < 400, timeout=WAIT_MS)
    # The transcript moved with the seek too.
    qtbot.waitUntil(lambda: page.transcript.current_index == 3, timeout=WAIT_MS)


def test_no_chapters_tab_without_chapters(qtbot, open_video) -> None:  # type: ignore[no-untyped-def]
    page = open_video()
    assert not page.side.isTabVisible(page.side.indexOf(page.chapter_list))
    assert page.side.isTabVisible(page.side.indexOf(page.transcript))
    assert page.side.currentWidget() is page.transcript


def test_languages_picker_switches_captions_and_transcript(
    qtbot, open_video, package: Path
) -> None:  # type: ignore[no-untyped-def]
    (package / "media" / "speed-intro.es.srt").write_text(SPANISH_SRT, "utf-8")
    track = {"language": "es", "label": "Español", "file": "media/speed-intro.es.srt"}
    edit_manifest(package, lambda m: video_item(m)["subtitles"].append(track))
    page = open_video()
    choice = page.subtitle_choice
    assert [choice.itemText(i) for i in range(choice.count())] == ["Off", "English", "Español"]

    choice.setCurrentIndex(2)
    assert page.transcript.list.count() == 3
    assert "ciclista" in page.transcript.list.item(2).text()
    page.seek_ms(11000)
    qtbot.waitUntil(lambda: "ciclista" in page.caption.text(), timeout=WAIT_MS)

    choice.setCurrentIndex(0)  # captions off: no caption, the transcript shows the first language
    assert page.caption.text() == ""
    assert page.transcript.list.count() > 3


def test_thumbnail_is_the_poster(qtbot, open_video) -> None:  # type: ignore[no-untyped-def]
    page = open_video()
    assert not page.video.poster.isNull()
    assert (page.video.poster.width(), page.video.poster.height()) == (320, 180)


def test_page_is_usable_at_1366x768(qtbot, open_video, package: Path) -> None:  # type: ignore[no-untyped-def]
    chapters = [{"title": "Start", "start_s": 0}, {"title": "Units", "start_s": 40}]
    edit_manifest(package, lambda m: video_item(m).update(chapters=chapters))
    page = open_video()
    window = page.window()
    qtbot.waitUntil(lambda: window.size().width() == 1366, timeout=WAIT_MS)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768
    frame = window.rect()
    needed: list[QWidget] = [
        page.video,
        page.caption,
        page.play_button,
        page.slider,
        page.time_label,
        page.speed,
        page.subtitle_choice,
        page.side,
        page.transcript.filter,
        page.transcript.list,
        page.back_button,
    ]
    for widget in needed:
        assert widget.isVisible(), widget.accessibleName()
        where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        assert frame.contains(where), (widget.accessibleName(), where, frame)
    assert page.video.height() >= 300 and page.video.width() >= 640
    assert page.transcript.list.height() >= 200

"""Chapters from the manifest or a WebVTT chapters track: validated, stored in items.chapters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.courses.importer import CourseImportError, import_course
from app.db.models import Item
from app.db.store import Store
from tests.media.conftest import VIDEO_ITEM, edit_manifest, snapshot, video_item

CHAPTERS = [
    {"title": "What speed is", "start_s": 0},
    {"title": "The formula", "start_s": 16.95},
    {"title": "Units", "start_s": 40},
]

CHAPTERS_VTT = """WEBVTT

00:00.000 --> 00:16.950
What speed is

00:16.950 --> 00:40.000
The formula
(v = d / t)

00:40.000 --> 01:18.000
Units
"""


def stored_chapters(store: Store) -> list[dict[str, Any]]:
    with store.read() as s:
        item = s.scalar(select(Item).where(Item.item_id == VIDEO_ITEM))
        assert item is not None
        return list(item.chapters)


def with_chapters(package: Path, chapters: list[dict[str, Any]]) -> None:
    edit_manifest(package, lambda m: video_item(m).update(chapters=chapters))


def assert_refused(store: Store, package: Path, *fragments: str) -> None:
    before = snapshot(store)
    with pytest.raises(CourseImportError) as info:
        import_course(store, package)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    assert snapshot(store) == before


def test_manifest_chapters_are_stored(store: Store, package: Path) -> None:
    with_chapters(package, CHAPTERS)
    import_course(store, package)
    assert stored_chapters(store) == [
        {"title": c["title"], "start_s": float(c["start_s"])} for c in CHAPTERS
    ]


def test_videos_without_chapters_store_none(store: Store, package: Path) -> None:
    import_course(store, package)
    assert stored_chapters(store) == []


def test_chapters_must_increase(store: Store, package: Path) -> None:
    with_chapters(package, [CHAPTERS[0], CHAPTERS[2], CHAPTERS[1]])
    assert_refused(
        store,
        package,
        "course.json: modules[0].items[0]",
        "chapters[2].start_s",
        "must be later than",
    )


def test_chapters_must_lie_within_the_probed_video(store: Store, package: Path) -> None:
    # The manifest says nothing about the length: the probe does (78.2 s).
    edit_manifest(package, lambda m: video_item(m).pop("duration_s"))
    with_chapters(package, [*CHAPTERS, {"title": "Credits", "start_s": 95}])
    assert_refused(
        store,
        package,
        "course.json: modules[0].items[0]: chapters[3].start_s",
        "not within the video",
    )


def test_chapter_titles_and_starts_are_checked(store: Store, package: Path) -> None:
    with_chapters(package, [{"title": "", "start_s": 0}])
    assert_refused(store, package, "course.json", "chapters[0].title")
    with_chapters(package, [{"title": "Before the start", "start_s": -1}])
    assert_refused(store, package, "course.json", "chapters[0].start_s")


def test_only_videos_have_chapters(store: Store, package: Path) -> None:
    def lesson_with_chapters(m: dict[str, Any]) -> None:
        m["modules"][0]["items"][1]["chapters"] = CHAPTERS

    edit_manifest(package, lesson_with_chapters)
    assert_refused(store, package, "course.json", "only video items may have")


def test_chapters_track_becomes_the_chapters(store: Store, package: Path) -> None:
    (package / "media" / "speed-intro.chapters.vtt").write_text(CHAPTERS_VTT, "utf-8")
    track = {
        "language": "en",
        "label": "Chapters",
        "file": "media/speed-intro.chapters.vtt",
        "kind": "chapters",
    }
    edit_manifest(package, lambda m: video_item(m)["subtitles"].append(track))
    import_course(store, package)
    assert stored_chapters(store) == [
        {"title": "What speed is", "start_s": 0.0},
        {"title": "The formula", "start_s": 16.95},
        {"title": "Units", "start_s": 40.0},
    ]
    with store.read() as s:
        item = s.scalar(select(Item).where(Item.item_id == VIDEO_ITEM))
        assert item is not None
        # Not offered as a subtitle language.
        assert [t.label for t in item.subtitles] == ["English"]


def test_chapters_track_past_the_end_names_the_track(store: Store, package: Path) -> None:
    late = CHAPTERS_VTT + "\n02:00.000 --> 02:10.000\nAfter the end\n"
    (package / "media" / "ch.vtt").write_text(late, "utf-8")
    track = {"language": "en", "label": "Chapters", "file": "media/ch.vtt", "kind": "chapters"}
    edit_manifest(package, lambda m: video_item(m)["subtitles"].append(track))
    assert_refused(store, package, "media/ch.vtt: chapters[3].start_s", "not within the video")


def test_chapters_in_both_places_are_refused(store: Store, package: Path) -> None:
    (package / "media" / "ch.vtt").write_text(CHAPTERS_VTT, "utf-8")
    track = {"language": "en", "label": "Chapters", "file": "media/ch.vtt", "kind": "chapters"}

    def both(m: dict[str, Any]) -> None:
        video_item(m)["subtitles"].append(track)
        video_item(m)["chapters"] = CHAPTERS

    edit_manifest(package, both)
    assert_refused(store, package, "course.json", "not both")

"""`slate course export`: a stored course written back as a package that imports to the same
content, written atomically, leaving out what a newer version retired."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.cli import main as slate
from app.courses.exporter import CourseExportError, export_course
from app.courses.importer import import_course
from app.db.models import CourseFile, Media
from app.db.store import Store
from app.media_store import media_path
from tests.conftest import REPO
from tests.packages.helpers import COURSE, course_content, edit_json, tree


@pytest.fixture
def fresh_store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "second-store")
    try:
        yield s
    finally:
        s.close()


def package_files(path: Path) -> dict[str, bytes]:
    """A package's files by package path, from a folder or a zip."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    return tree(path)


@pytest.mark.parametrize("name", ["exported", "exported.zip"])
def test_round_trip_gives_the_same_content(
    demo_store: Store, fresh_store: Store, demo_dir: Path, tmp_path: Path, name: str
) -> None:
    first = export_course(demo_store, COURSE, tmp_path / name).path
    assert import_course(fresh_store, first).status == "imported"

    assert course_content(fresh_store) == course_content(demo_store)

    second = export_course(fresh_store, COURSE, tmp_path / f"again-{name}").path
    first_files, second_files = package_files(first), package_files(second)
    assert second_files["course.json"] == first_files["course.json"]
    assert second_files == first_files
    # Media, images, subtitles and lessons come out as the author made them.
    original = tree(demo_dir)
    assert set(first_files) == set(original)
    for path in original:
        if path.startswith(("media/", "lessons/")):
            assert first_files[path] == original[path], path


def test_export_is_a_valid_package_by_the_schema(demo_store: Store, tmp_path: Path) -> None:
    out = export_course(demo_store, COURSE, tmp_path / "out").path
    course_schema = json.loads((REPO / "docs" / "course.schema.json").read_text())
    quiz_schema = json.loads((REPO / "docs" / "quiz.schema.json").read_text())
    manifest = json.loads((out / "course.json").read_text())
    assert list(Draft202012Validator(course_schema).iter_errors(manifest)) == []
    quizzes = [i["file"] for m in manifest["modules"] for i in m["items"] if i["kind"] == "quiz"]
    assert quizzes == ["quizzes/check.json", "quizzes/practice.json", "quizzes/adaptive.json"]
    for path in quizzes:
        quiz = json.loads((out / path).read_text())
        assert list(Draft202012Validator(quiz_schema).iter_errors(quiz)) == [], path
    assert len(json.loads((out / quizzes[0]).read_text())["questions"]) == 14


def test_export_leaves_out_what_a_newer_version_retired(
    store: Store, fresh_store: Store, package: Path, tmp_path: Path
) -> None:
    import_course(store, package)

    def drop_lesson(m: dict[str, Any]) -> None:
        m["version"] = "1.2.0"
        m["modules"][1]["items"] = [
            i for i in m["modules"][1]["items"] if i["id"] != "lesson-distance-time-graphs"
        ]

    def drop_question(q: dict[str, Any]) -> None:
        q["questions"] = [x for x in q["questions"] if x["id"] != "q03-flat-line"]

    edit_json(package / "course.json", drop_lesson)
    edit_json(package / "quizzes" / "check.json", drop_question)
    (package / "lessons" / "03-distance-time-graphs.md").unlink()
    (package / "media" / "distance-time-graph.png").unlink()  # only that lesson showed it
    assert import_course(store, package).status == "updated"

    out = export_course(store, COURSE, tmp_path / "v1.2.zip").path
    files = package_files(out)
    manifest = json.loads(files["course.json"])
    assert manifest["version"] == "1.2.0"
    item_ids = [i["id"] for m in manifest["modules"] for i in m["items"]]
    assert "lesson-distance-time-graphs" not in item_ids and len(item_ids) == 7
    assert "lessons/03-distance-time-graphs.md" not in files
    assert "media/distance-time-graph.png" not in files
    question_ids = [q["id"] for q in json.loads(files["quizzes/check.json"])["questions"]]
    assert "q03-flat-line" not in question_ids and len(question_ids) == 13

    assert import_course(fresh_store, out).status == "imported"
    ours, theirs = course_content(store), course_content(fresh_store)
    active = {
        "items": [r for r in ours["items"] if not r["retired"]],
        "questions": [r for r in ours["questions"] if not r["retired"]],
    }
    assert theirs["items"] == active["items"]
    assert theirs["questions"] == active["questions"]
    assert theirs["course_files"] == ours["course_files"]


def test_chapters_are_exported(demo_store: Store, fresh_store: Store, tmp_path: Path) -> None:
    from app.db.models import Item

    chapters = [{"title": "Start", "start_s": 0.0}, {"title": "Units", "start_s": 30.0}]
    with demo_store.write() as s:
        video = s.scalar(select(Item).where(Item.item_id == "intro-video"))
        assert video is not None
        video.chapters = chapters
    out = export_course(demo_store, COURSE, tmp_path / "out").path
    manifest = json.loads((out / "course.json").read_text())
    video_spec = manifest["modules"][0]["items"][0]
    assert video_spec["id"] == "intro-video"
    assert [c["title"] for c in video_spec["chapters"]] == ["Start", "Units"]
    import_course(fresh_store, out)
    assert course_content(fresh_store)["items"] == course_content(demo_store)["items"]


EVERY_TYPE: dict[str, dict[str, Any]] = {
    "single_choice": {
        "options": [
            {"id": "a", "text": "A", "feedback": "Not quite."},
            {"id": "b", "text": "B"},
        ],
        "answer": "b",
        "points": 2.5,
        "feedback": {"correct": "Yes.", "incorrect": "No."},
    },
    "multiple_choice": {
        "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
        "answer": ["a", "c"],
        "scoring": "per_option",
    },
    "true_false": {"answer": False, "feedback": {"incorrect": "It is false."}},
    "numeric": {"answer": 12.5, "tolerance": 0.25, "unit": "m/s"},
    "short_answer": {"answers": ["metre", "meter"], "case_sensitive": True},
    "matching": {
        "stems": [{"id": "s1", "text": "Speed"}, {"id": "s2", "text": "Time"}],
        "options": [
            {"id": "a", "text": "m/s"},
            {"id": "b", "text": "s"},
            {"id": "c", "text": "kg"},
        ],
        "answer": {"s1": "a", "s2": "b"},
        "scoring": "per_item",
    },
    "ordering": {
        "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
        "answer": ["c", "a", "b"],
    },
    "fill_blanks": {
        "blanks": [
            {"id": "d", "label": "distance", "answers": ["d"], "case_sensitive": True},
            {"id": "t", "answers": [], "regex": "t(ime)?", "accent_insensitive": True},
        ]
    },
    "essay": {"word_limit": 200},
    "file_upload": {"max_bytes": 1048576, "accept": [".pdf", ".png"]},
    "drawing": {},
    "code": {"language": "python"},
}


def test_every_question_type_exports_as_authored(
    store: Store, package: Path, tmp_path: Path
) -> None:
    from app.courses.manifest import QuestionSpec, QuizFile

    known_types = set(get_args(QuestionSpec.model_fields["type"].annotation))
    assert set(EVERY_TYPE) == known_types, "add an example of each question type here"
    authored = {
        "type": "exam",
        "settings": {"passing_score": 0.75, "time_limit_s": 600, "max_attempts": 2},
        "questions": [
            {"id": f"q-{qtype}", "type": qtype, "prompt": f"A {qtype} question", **keys}
            for qtype, keys in EVERY_TYPE.items()
        ],
    }
    (package / "quizzes" / "check.json").write_text(json.dumps(authored))
    import_course(store, package)
    out = export_course(store, COURSE, tmp_path / "out").path
    exported = json.loads((out / "quizzes" / "check.json").read_text())
    assert QuizFile.model_validate(exported) == QuizFile.model_validate(authored)


def test_paths_written_with_dots_export_normalised(
    store: Store, fresh_store: Store, package: Path, tmp_path: Path
) -> None:
    def dotted(m: dict[str, Any]) -> None:
        video = m["modules"][0]["items"][0]
        video["file"] = "media/./speed-intro.mp4"
        del video["notes"]  # a video without notes keeps its own file as source path
        m["modules"][1]["items"][2]["file"] = "quizzes/../quizzes/check.json"

    edit_json(package / "course.json", dotted)
    import_course(store, package)
    out = export_course(store, COURSE, tmp_path / "out").path
    manifest = json.loads((out / "course.json").read_text())
    assert manifest["modules"][0]["items"][0]["file"] == "media/speed-intro.mp4"
    assert "notes" not in manifest["modules"][0]["items"][0]
    assert manifest["modules"][1]["items"][2]["file"] == "quizzes/check.json"
    assert not (out / "lessons" / "video-notes.md").exists()
    assert (out / "media" / "speed-intro.mp4").stat().st_size > 900_000
    import_course(fresh_store, out)
    ours, theirs = course_content(store), course_content(fresh_store)
    for rows in (ours["items"], theirs["items"]):
        for row in rows:
            row.pop("source_path")  # the first store kept the paths as the author wrote them
    assert theirs == ours


SRT = """1
00:00:00,600 --> 00:00:04,925
Welcome to this short video.

2
00:00:05,275 --> 00:00:10,047
Speed is distance per unit of time.
"""

CHAPTERS_VTT = """WEBVTT

00:00:00.000 --> 00:00:20.000
Welcome

00:00:20.000 --> 00:01:00.000
Units of speed
"""


def test_srt_subtitles_and_a_chapters_track_round_trip(
    store: Store, fresh_store: Store, package: Path, tmp_path: Path
) -> None:
    """An SRT track is stored (and exported) as WebVTT; a chapters track becomes the item's
    chapters, exported as the manifest's `chapters` list."""
    (package / "media" / "speed-intro.fr.srt").write_text(SRT, encoding="utf-8")
    (package / "media" / "speed-intro.chapters.vtt").write_text(CHAPTERS_VTT, encoding="utf-8")

    def add_tracks(m: dict[str, Any]) -> None:
        m["modules"][0]["items"][0]["subtitles"] += [
            {"language": "fr", "label": "Français", "file": "media/speed-intro.fr.srt"},
            {
                "language": "en",
                "label": "Chapters",
                "file": "media/speed-intro.chapters.vtt",
                "kind": "chapters",
            },
        ]

    edit_json(package / "course.json", add_tracks)
    import_course(store, package)
    out = export_course(store, COURSE, tmp_path / "out").path
    video = json.loads((out / "course.json").read_text())["modules"][0]["items"][0]
    assert [t["file"] for t in video["subtitles"]] == [
        "media/speed-intro.en.vtt",
        "media/speed-intro.fr.vtt",
    ]
    assert video["chapters"] == [
        {"title": "Welcome", "start_s": 0.0},
        {"title": "Units of speed", "start_s": 20.0},
    ]
    assert (out / "media" / "speed-intro.fr.vtt").read_text().startswith("WEBVTT")
    assert not (out / "media" / "speed-intro.fr.srt").exists()

    import_course(fresh_store, out)
    assert course_content(fresh_store) == course_content(store)


def test_highly_compressible_files_stay_importable_from_a_zip(
    store: Store, fresh_store: Store, package: Path, tmp_path: Path
) -> None:
    """A zip export must not trip the importer's zip-bomb ratio with its own deflate."""
    (package / "lessons" / "02-units.md").write_text("# Units\n\n" + "speed " * 300_000)
    import_course(store, package)
    out = export_course(store, COURSE, tmp_path / "out.zip").path
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo("lessons/02-units.md")
        assert info.file_size / max(info.compress_size, 1) < 100
    assert import_course(fresh_store, out).status == "imported"
    assert course_content(fresh_store) == course_content(store)


# -- atomic writes and clear errors ---------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


@pytest.mark.parametrize("name", ["out", "out.zip"])
def test_damaged_media_fails_cleanly_and_writes_nothing(
    demo_store: Store, tmp_path: Path, name: str
) -> None:
    with demo_store.read() as s:
        row = s.scalar(select(CourseFile).where(CourseFile.path == "media/speed-intro.mp4"))
        assert row is not None
        media = s.get(Media, row.sha256)
        assert media is not None
        stored = media_path(demo_store.media_dir, media.sha256, media.ext)
    data = bytearray(stored.read_bytes())
    data[1000] ^= 0xFF
    stored.write_bytes(bytes(data))
    dest = tmp_path / "exports" / name
    dest.parent.mkdir()
    with pytest.raises(CourseExportError, match=r"media/speed-intro\.mp4.*damaged"):
        export_course(demo_store, COURSE, dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_existing_destination_is_refused(demo_store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "out.zip"
    dest.write_bytes(b"keep me")
    with pytest.raises(CourseExportError, match="already exists"):
        export_course(demo_store, COURSE, dest)
    assert dest.read_bytes() == b"keep me"
    assert leftovers(tmp_path) == []


def test_unknown_course(demo_store: Store, tmp_path: Path) -> None:
    with pytest.raises(CourseExportError, match="no course 'nope'"):
        export_course(demo_store, "nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_exported_files_are_not_private(demo_store: Store, tmp_path: Path) -> None:
    """Temp names are made with the usual permissions, not mkstemp's 0600."""
    folder = export_course(demo_store, COURSE, tmp_path / "out").path
    archive = export_course(demo_store, COURSE, tmp_path / "out.zip").path
    assert folder.stat().st_mode & 0o777 == 0o777 & ~_umask()
    assert archive.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current


# -- the command ----------------------------------------------------------------------------


def test_cli_export_then_import(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = str(demo_store.data_dir)
    dest = tmp_path / "cli.zip"
    assert slate(["course", "export", COURSE, str(dest), "--data-dir", data_dir, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["course_id"] == COURSE and result["path"] == str(dest) and result["files"] == 13
    assert zipfile.is_zipfile(dest)

    assert slate(["course", "export", "nope", str(tmp_path / "x"), "--data-dir", data_dir]) == 1
    assert "no course 'nope'" in capsys.readouterr().err

    other = str(tmp_path / "other-store")
    assert slate(["course", "import", str(dest), "--data-dir", other, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "imported"

"""Importing course packages: the demo course, updates, and hostile or broken packages."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.courses import package as package_format
from app.courses.importer import CourseImportError, import_course
from app.db.models import Item, Question
from app.db.store import Store
from tests.packages.helpers import course_content

TABLES = (
    "courses",
    "modules",
    "items",
    "assessments",
    "questions",
    "media",
    "course_files",
    "subtitle_tracks",
    "events",
    "progress",
)


def snapshot(store: Store) -> dict[str, object]:
    """Row counts of every content table plus the media files on disk."""
    with sqlite3.connect(store.db_path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    files = (
        sorted(
            str(p.relative_to(store.media_dir)) for p in store.media_dir.rglob("*") if p.is_file()
        )
        if store.media_dir.exists()
        else []
    )
    return {"rows": counts, "files": files}


@pytest.fixture
def package(tmp_path: Path, demo_dir: Path) -> Path:
    """A writable copy of the demo course to break."""
    dest = tmp_path / "pkg"
    shutil.copytree(demo_dir, dest)
    return dest


def edit_manifest(pkg: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((pkg / "course.json").read_text())
    change(manifest)
    (pkg / "course.json").write_text(json.dumps(manifest))


def test_demo_course_imports_completely(store: Store, demo_dir: Path) -> None:
    seen: list[tuple[int, int]] = []
    result = import_course(store, demo_dir, progress=lambda d, t, _w: seen.append((d, t)))
    assert result.status == "imported"
    assert result.items >= 6 and result.questions >= 10
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    with store.read() as s:
        kinds = {i.kind.value for i in s.scalars(select(Item))}
        qtypes = {q.type for q in s.scalars(select(Question))}
    assert kinds == {"lesson", "video", "quiz"}
    assert qtypes == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "numeric",
        "short_answer",
        "matching",
        "ordering",
        "fill_blanks",
        "essay",
        "file_upload",
        "drawing",
        "code",
    }
    # Media are stored content-addressed, under their sha256.
    for path in store.media_dir.rglob("*.mp4"):
        import hashlib

        assert path.stem == hashlib.sha256(path.read_bytes()).hexdigest()


def test_reimport_same_version_changes_nothing(store: Store, demo_dir: Path) -> None:
    import_course(store, demo_dir)
    before = snapshot(store)
    assert import_course(store, demo_dir).status == "unchanged"
    assert snapshot(store) == before


def test_zip_of_the_folder_imports(store: Store, demo_dir: Path, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "demo"), "zip", demo_dir.parent, demo_dir.name)
    assert import_course(store, Path(archive)).status == "imported"


def test_new_version_keeps_progress_and_retires_removed_items(
    store: Store, learner: str, package: Path
) -> None:
    from app.learning import complete_lesson

    import_course(store, package)
    with store.write() as s:
        complete_lesson(s, learner, "demo.speed-distance-time", "lesson-units")

    def drop_last_lesson(m: dict) -> None:
        m["version"] = "1.2.0"
        m["modules"][1]["items"] = [
            i for i in m["modules"][1]["items"] if i["id"] != "lesson-average-speed"
        ]
        m["modules"][0]["title"] = "Speed and units (revised)"

    edit_manifest(package, drop_last_lesson)
    assert import_course(store, package).status == "updated"
    from app.progress import course_progress

    with store.read() as s:
        retired = s.scalar(select(Item).where(Item.item_id == "lesson-average-speed"))
        assert retired is not None and retired.retired
        prog = course_progress(s, learner, "demo.speed-distance-time")
    assert prog.items_completed == 1
    assert prog.items_total == 7


# -- broken and hostile packages: a clear error naming the file, and the store unchanged -------


def assert_refused(store: Store, source: Path, *fragments: str) -> None:
    before = snapshot(store)
    with pytest.raises(CourseImportError) as info:
        import_course(store, source)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(store) == before


def test_missing_lesson_file(store: Store, package: Path) -> None:
    (package / "lessons" / "02-units.md").unlink()
    assert_refused(store, package, "course.json", "lessons/02-units.md", "not in the package")


def test_broken_manifest_json(store: Store, package: Path) -> None:
    text = (package / "course.json").read_text()
    (package / "course.json").write_text(text.replace('"version"', '"version" "', 1))
    assert_refused(store, package, "course.json: line 4")


def test_manifest_schema_error_names_the_field(store: Store, package: Path) -> None:
    edit_manifest(package, lambda m: m["modules"][0]["items"][0].update(kind="podcast"))
    assert_refused(store, package, "course.json", "modules[0].items[0].kind")


def test_path_escaping_the_package(store: Store, package: Path) -> None:
    edit_manifest(package, lambda m: m["modules"][0]["items"][1].update(file="../../etc/passwd"))
    assert_refused(store, package, "../../etc/passwd", "leaves the package")


def test_absolute_path(store: Store, package: Path) -> None:
    edit_manifest(package, lambda m: m["modules"][0]["items"][1].update(file="/etc/passwd"))
    assert_refused(store, package, "/etc/passwd", "absolute")


def test_symlink_in_folder(store: Store, package: Path) -> None:
    os.symlink("/etc/hostname", package / "lessons" / "sneaky.md")
    assert_refused(store, package, "lessons/sneaky.md", "symbolic link")


def test_duplicate_item_ids(store: Store, package: Path) -> None:
    def dup(m: dict) -> None:
        m["modules"][1]["items"][0]["id"] = m["modules"][0]["items"][0]["id"]

    edit_manifest(package, dup)
    assert_refused(store, package, "course.json", "duplicate item id")


def test_invalid_utf8_lesson(store: Store, package: Path) -> None:
    lesson = package / "lessons" / "01-what-is-speed.md"
    lesson.write_bytes(lesson.read_bytes() + b"\n\nbad byte: \xff\xfe here\n")
    assert_refused(store, package, "lessons/01-what-is-speed.md", "not valid UTF-8")


def test_lesson_image_missing(store: Store, package: Path) -> None:
    lesson = package / "lessons" / "02-units.md"
    lesson.write_text(lesson.read_text() + "\n\n![chart](../media/nowhere.png)\n")
    assert_refused(store, package, "lessons/02-units.md", "media/nowhere.png")


def test_bad_quiz_answer_key(store: Store, package: Path) -> None:
    quiz = package / "quizzes" / "check.json"
    data = json.loads(quiz.read_text())
    single = next(q for q in data["questions"] if q["type"] == "single_choice")
    single["answer"] = "no-such-option"
    quiz.write_text(json.dumps(data))
    assert_refused(store, package, "quizzes/check.json", "answer")


def test_broken_subtitles(store: Store, package: Path) -> None:
    (package / "media" / "speed-intro.en.vtt").write_text("this is not webvtt\n")
    assert_refused(store, package, "media/speed-intro.en.vtt", "WebVTT")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_slip(store: Store, tmp_path: Path, package: Path) -> None:
    members = {
        str(p.relative_to(package)): p.read_bytes() for p in package.rglob("*") if p.is_file()
    }
    members["../evil.txt"] = b"owned"
    assert_refused(store, _zip(tmp_path / "slip.zip", members), "../evil.txt", "leaves the package")
    assert not (tmp_path / "evil.txt").exists()


def test_zip_absolute_member(store: Store, tmp_path: Path, package: Path) -> None:
    members = {
        str(p.relative_to(package)): p.read_bytes() for p in package.rglob("*") if p.is_file()
    }
    members["/tmp/evil.txt"] = b"owned"
    assert_refused(store, _zip(tmp_path / "abs.zip", members), "/tmp/evil.txt", "absolute")


def test_zip_bomb(store: Store, tmp_path: Path, package: Path) -> None:
    members = {
        str(p.relative_to(package)): p.read_bytes() for p in package.rglob("*") if p.is_file()
    }
    members["media/padding.bin"] = b"\0" * (50 * 1024 * 1024)
    assert_refused(store, _zip(tmp_path / "bomb.zip", members), "media/padding.bin", "zip bomb")


def _bump_version(members: dict[str, bytes], version: str) -> None:
    manifest = json.loads(members["course.json"])
    manifest["version"] = version
    members["course.json"] = json.dumps(manifest).encode()


def test_zip_over_the_total_size_limit(
    store: Store, tmp_path: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = {
        str(p.relative_to(package)): p.read_bytes() for p in package.rglob("*") if p.is_file()
    }
    # A small limit keeps the file small; the reader's own check of the declared sizes runs.
    limit = sum(len(data) for data in members.values()) + 64 * 1024
    monkeypatch.setattr(package_format, "MAX_TOTAL_BYTES", limit)
    # Under the limit the package imports, so the limit is what refuses the next one.
    assert import_course(store, _zip(tmp_path / "fits.zip", members)).status == "imported"
    _bump_version(members, "9.0.0")
    # Incompressible, so the per-member ratio check passes and only the total is over.
    members["media/padding.bin"] = os.urandom(128 * 1024)
    archive = _zip(tmp_path / "big.zip", members)
    with zipfile.ZipFile(archive) as zf:
        assert sum(i.file_size for i in zf.infolist()) > limit
        assert all(i.file_size <= 100 * max(i.compress_size, 1) for i in zf.infolist())
    before = course_content(store)
    assert_refused(store, archive, str(archive), f"larger than {limit} bytes")
    assert course_content(store) == before


def test_zip_symlink_member(store: Store, tmp_path: Path, package: Path) -> None:
    import_course(store, package)
    lesson = "lessons/02-units.md"
    members = {
        str(p.relative_to(package)): p.read_bytes()
        for p in package.rglob("*")
        if p.is_file() and p.relative_to(package).as_posix() != lesson
    }
    _bump_version(members, "9.0.0")
    archive = _zip(tmp_path / "link.zip", members)
    with zipfile.ZipFile(archive, "a") as zf:
        # The lesson the manifest names is a link to a file outside the package.
        link = zipfile.ZipInfo(lesson)
        link.create_system = 3  # Unix, whose mode bits external_attr carries
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    with zipfile.ZipFile(archive) as zf:
        assert stat.S_ISLNK(zf.getinfo(lesson).external_attr >> 16)
    before = course_content(store)
    assert_refused(store, archive, lesson, "symbolic links are not allowed")
    assert course_content(store) == before


def test_not_a_package(store: Store, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    assert_refused(store, junk, "notes.txt", "not a course package")


def test_failed_write_leaves_no_new_media(store: Store, package: Path) -> None:
    """Media are copied before the transaction; when the transaction fails (here a real SQLite
    error raised by a trigger, as a full disk would), the files it added are removed again."""
    with sqlite3.connect(store.db_path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_questions BEFORE INSERT ON questions "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    before = snapshot(store)
    assert_refused(store, package, "could not write to the store", "disk is full")
    assert snapshot(store) == before


def test_an_older_version_is_refused(store: Store, package: Path) -> None:
    edit_manifest(package, lambda m: m.update(version="2.0"))
    import_course(store, package)
    edit_manifest(package, lambda m: m.update(version="1.9.9"))
    assert_refused(store, package, "course.json", "older than the version already stored (2.0)")


def test_an_empty_document_is_refused(store: Store, package: Path) -> None:
    (package / "media" / "handout.pdf").write_bytes(b"")

    def add_document(m: dict) -> None:
        m["modules"][0]["items"].append(
            {"id": "handout", "title": "Handout", "kind": "document", "file": "media/handout.pdf"}
        )

    edit_manifest(package, add_document)
    assert_refused(store, package, "media/handout.pdf", "empty")


def test_a_damaged_zip_is_called_a_damaged_zip(store: Store, tmp_path: Path, package: Path) -> None:
    archive = tmp_path / "course.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in package.rglob("*"):
            zf.write(path, path.relative_to(package).as_posix())
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 3])  # cut short
    assert_refused(store, archive, "course.zip", "not a readable .zip file")

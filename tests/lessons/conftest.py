"""The Carpentries' shell-novice episodes as a Slate course, imported into a real store.

The episodes and figures are read from the shared corpus and laid out in a temporary package
folder (never in the repository) next to a course.json written here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db.models import Role
from app.db.store import Store
from app.profiles import create_profile
from ui.context import AppContext
from ui.pages.lesson import LessonReader

COURSE_ID = "swc.shell-novice"


def shell_novice(corpus: Path) -> Path:
    folder = corpus / "markdown" / "shell-novice"
    if not (folder / "episodes").is_dir():
        pytest.skip(f"shell-novice lessons not found in {folder}")
    return folder


def episode_files(corpus: Path) -> list[Path]:
    return sorted((shell_novice(corpus) / "episodes").glob("*.md"))


def episode_title(episode: Path) -> str:
    from app.lessons import render_lesson

    return render_lesson(episode.read_text(encoding="utf-8")).title or episode.stem


def item_id(episode: Path) -> str:
    return f"ep-{episode.stem}"


def write_package(source: Path, package: Path) -> Path:
    """Lay the episodes and figures of `source` out as a Slate course package in `package`."""
    shutil.copytree(source / "episodes", package / "episodes")
    items = [
        {
            "id": item_id(episode),
            "title": episode_title(episode),
            "kind": "lesson",
            "file": f"episodes/{episode.name}",
        }
        for episode in sorted((source / "episodes").glob("*.md"))
    ]
    manifest = {
        "format": "slate-course/1",
        "id": COURSE_ID,
        "version": "f095fbc",
        "title": "The Unix Shell",
        "license": "CC BY 4.0",
        "modules": [{"id": "episodes", "title": "Episodes", "items": items}],
    }
    (package / "course.json").write_text(json.dumps(manifest, indent=2))
    return package


@pytest.fixture(scope="session")
def carpentries_package(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_package(shell_novice(corpus), tmp_path_factory.mktemp("shell-novice-package"))


@pytest.fixture
def carpentries_store(store: Store, carpentries_package: Path) -> Store:
    from app.courses.importer import import_course

    import_course(store, carpentries_package)
    return store


def open_reader_plain(store: Store, role: Role = Role.STUDENT) -> LessonReader:
    """A lesson reader at 1100x720 for a new profile of `role` on `store`."""
    ctx = AppContext(store)
    with store.write() as session:
        profile = create_profile(session, f"A {role.value}", role)
    ctx.set_profile(profile)
    reader = LessonReader(ctx)
    reader.resize(1100, 720)
    reader.show()
    return reader


def open_reader(qtbot, store: Store, role: Role = Role.STUDENT) -> LessonReader:  # type: ignore[no-untyped-def]
    reader = open_reader_plain(store, role)
    qtbot.addWidget(reader)
    return reader


@pytest.fixture
def student_reader(qtbot, carpentries_store: Store) -> Iterator[LessonReader]:  # type: ignore[no-untyped-def]
    yield open_reader(qtbot, carpentries_store, Role.STUDENT)


@pytest.fixture
def teacher_reader(qtbot, carpentries_store: Store) -> Iterator[LessonReader]:  # type: ignore[no-untyped-def]
    yield open_reader(qtbot, carpentries_store, Role.TEACHER)

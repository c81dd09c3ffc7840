"""Adaptive quiz tests: a real store with an imported adaptive quiz course (tests/attempts'
fixtures and course writer, reused)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.courses.importer import import_course
from app.db.store import Store
from tests.adaptive_quiz.adaptive_course import write_adaptive_course
from tests.attempts.conftest import make_quiz

__all__ = ["make_adaptive", "make_quiz"]

MakeAdaptive = Callable[..., Store]


@pytest.fixture
def make_adaptive(store: Store, tmp_path: Path) -> MakeAdaptive:
    """Import a one-quiz adaptive course (see adaptive_course.py) into `store`."""

    def make(**course: Any) -> Store:
        folder = write_adaptive_course(
            tmp_path / f"adaptive-{course.get('version', '1')}", **course
        )
        import_course(store, folder)
        return store

    return make

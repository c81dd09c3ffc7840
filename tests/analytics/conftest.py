"""A store with the two-quiz analytics course and a small class that has taken it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.db.store import Store
from tests.analytics.course import (
    add_people,
    choice,
    essay,
    import_test_course,
    make_class,
    take_quiz,
)

T = TypeVar("T")
ALL_B = {f"q{n}": "b" for n in range(1, 5)}


def score_answers(right: int) -> dict[str, str]:
    """Responses to q1..q4 with the first `right` of them correct."""
    return {f"q{n}": "b" if n <= right else "a" for n in range(1, 5)}


@dataclass
class ClassFixture:
    store: Store
    people: dict[str, str]
    attempts: dict[str, list[str]]
    class_id: str

    def store_read(self, fn: Callable[..., T], *args: Any) -> T:
        with self.store.read() as session:
            return fn(session, *args)


@pytest.fixture
def graded_class(store: Store, tmp_path: Path) -> ClassFixture:
    four = [choice(f"q{n}") for n in range(1, 5)]
    import_test_course(
        store,
        tmp_path / "course",
        quizzes={
            "best": (four, {"passing_score": 0.5, "attempt_policy": "best"}),
            "last": (four, {"passing_score": 0.5, "attempt_policy": "last"}),
            "avg": (four, {"passing_score": 0.7, "attempt_policy": "average"}),
            "essay": ([choice("q1"), essay("e1")], {"passing_score": 0.5}),
        },
        lessons=("intro",),
    )
    people = add_people(store, "Amina", "Ben", "Chen", "Dara")
    people |= add_people(store, "Tess", role="teacher")
    class_id = make_class(
        store, people["Tess"], [people[n] for n in ("Amina", "Ben", "Chen", "Dara")]
    )
    a, b, c = people["Amina"], people["Ben"], people["Chen"]
    made = {
        "amina-best": [
            take_quiz(store, a, "best", score_answers(2)),
            take_quiz(store, a, "best", ALL_B),
        ],
        "amina-last": [
            take_quiz(store, a, "last", ALL_B),
            take_quiz(store, a, "last", score_answers(1)),
        ],
        "ben-best": [take_quiz(store, b, "best", score_answers(1))],
        "ben-avg": [
            take_quiz(store, b, "avg", ALL_B),
            take_quiz(store, b, "avg", score_answers(2)),
        ],
        "chen-best": [take_quiz(store, c, "best", {"q1": "b"}, submit=False)],
        "chen-essay": [take_quiz(store, c, "essay", {"q1": "b", "e1": "Long essay text."})],
    }
    return ClassFixture(store, people, made, class_id)

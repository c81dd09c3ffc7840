"""Grade records: idempotent, order-free, concurrent revisions kept with a deterministic winner."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from app.attempts import review
from app.db.store import Store
from app.grading.records import GradeRecordError, apply_grade_record, heads
from app.grading.tables import AnswerGrade, GradeRecord
from tests.accounts.people import make_people
from tests.grading.quiz import ESSAY, import_graded_quiz, submitted_attempt


def record(
    attempt_id: str,
    learner: str,
    revision: str,
    hlc: str,
    score: float,
    base: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "revision_id": revision,
        "base_revision": base,
        "hlc": hlc,
        "grader_id": "teacher-elsewhere",
        "learner_id": learner,
        "attempt_id": attempt_id,
        "question_id": ESSAY,
        "course_id": "test.attempts",
        "item_id": "quiz",
        "score": score,
        "max_points": 4,
        "comment": f"revision {revision}",
        "rubric": {},
        "graded_at": "2026-01-05T10:00:00Z",
        **extra,
    }


@pytest.fixture
def attempt(store: Store, tmp_path: Path) -> tuple[str, str]:
    import_graded_quiz(store, tmp_path / "course")
    people = make_people(store)
    return submitted_attempt(store, people.amina), people.amina


def current(store: Store, attempt_id: str) -> tuple[str, tuple[str, ...], float]:
    with store.read() as s:
        grade = s.get(AnswerGrade, (attempt_id, ESSAY))
        assert grade is not None
        return grade.revision_id, tuple(grade.conflicting), review(s, attempt_id).points


def test_applying_twice_changes_nothing(store: Store, attempt: tuple[str, str]) -> None:
    attempt_id, learner = attempt
    first = record(attempt_id, learner, "r1", "000000000001000-000000-laptopA", 3)
    for _ in range(2):
        with store.write() as s:
            apply_grade_record(s, first)
    with store.read() as s:
        assert s.query(GradeRecord).count() == 1
    # The learner chose "b", the right answer (2 points), and the teacher gave 3 of 4.
    assert current(store, attempt_id) == ("r1", (), 5.0)


def test_same_revision_id_with_other_content_is_refused(
    store: Store, attempt: tuple[str, str]
) -> None:
    attempt_id, learner = attempt
    with store.write() as s:
        apply_grade_record(s, record(attempt_id, learner, "r1", "000000000001000-000000-a", 3))
    with pytest.raises(GradeRecordError, match="r1: a different record"), store.write() as s:
        apply_grade_record(s, record(attempt_id, learner, "r1", "000000000001000-000000-a", 1))


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("score", 5, "above max_points"),
        ("hlc", "yesterday", "hybrid logical clock"),
        ("graded_at", "2026-01-05T10:00:00", "time zone"),
        ("unexpected", 1, "unexpected: Extra inputs"),
    ],
)
def test_a_malformed_record_names_the_field(
    store: Store, attempt: tuple[str, str], field: str, value: Any, problem: str
) -> None:
    attempt_id, learner = attempt
    bad = record(attempt_id, learner, "r9", "000000000001000-000000-a", 3) | {field: value}
    with pytest.raises(GradeRecordError, match=f"grade record r9: .*{problem}"), store.write() as s:
        apply_grade_record(s, bad)
    with store.read() as s:
        assert s.get(GradeRecord, "r9") is None


def test_concurrent_revisions_are_kept_and_the_later_clock_wins_in_any_order(
    store: Store, attempt: tuple[str, str]
) -> None:
    attempt_id, learner = attempt
    base = record(attempt_id, learner, "r1", "000000000001000-000000-a", 2)
    # Two teachers edit r1 offline on two laptops: both are kept; B's clock is later (the wall
    # part decides before A's higher counter), so B counts and A is shown as a conflict.
    on_a = record(attempt_id, learner, "rA", "000000000002000-000005-a", 1, base="r1")
    on_b = record(attempt_id, learner, "rB", "000000000003000-000000-b", 4, base="r1")
    outcomes = set()
    for order in itertools.permutations([base, on_a, on_b]):
        with store.write() as s:
            s.query(GradeRecord).delete()
            s.query(AnswerGrade).delete()
            for rec in [*order, *order]:
                apply_grade_record(s, rec)
        outcomes.add(current(store, attempt_id))
    assert outcomes == {("rB", ("rA",), 6.0)}


def test_a_revision_that_supersedes_the_conflict_resolves_it(
    store: Store, attempt: tuple[str, str]
) -> None:
    attempt_id, learner = attempt
    with store.write() as s:
        for rec in (
            record(attempt_id, learner, "r1", "000000000001000-000000-a", 2),
            record(attempt_id, learner, "rA", "000000000002000-000000-a", 1, base="r1"),
            record(attempt_id, learner, "rB", "000000000003000-000000-b", 4, base="r1"),
            record(
                attempt_id,
                learner,
                "rC",
                "000000000004000-000000-a",
                3.5,
                base="rB",
                supersedes=["rA"],
            ),
        ):
            apply_grade_record(s, rec)
        assert [r.revision_id for r in heads(s, attempt_id, ESSAY)] == ["rC"]
    assert current(store, attempt_id) == ("rC", (), 5.5)


def test_a_grade_for_an_attempt_on_another_laptop_is_kept(store: Store) -> None:
    with store.write() as s:
        apply_grade_record(
            s, record("attempt-elsewhere", "learner-x", "r1", "000000000001000-000000-a", 2)
        )
    with store.read() as s:
        assert s.get(AnswerGrade, ("attempt-elsewhere", ESSAY)) is not None

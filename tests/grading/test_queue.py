"""The grading queue and who may read an attempt on a shared laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.accounts.permissions import PermissionDenied
from app.db.store import Store
from app.grading.queue import answer_for_grading, attempts_of, grading_queue, review_attempt
from app.grading.records import apply_grade_record
from app.grading.service import grade_answer
from tests.accounts.people import People, make_people
from tests.grading.quiz import ESSAY, import_graded_quiz, submitted_attempt


@pytest.fixture
def people(store: Store, tmp_path: Path) -> People:
    import_graded_quiz(store, tmp_path / "course")
    return make_people(store)


def test_the_queue_holds_ungraded_answers_of_the_teachers_learners(
    store: Store, people: People
) -> None:
    amina = submitted_attempt(store, people.amina)
    bilal = submitted_attempt(store, people.bilal)
    submitted_attempt(store, people.outsider)  # in no class of this teacher
    with store.read() as s:
        queue = grading_queue(s, people.teacher)
        assert [(e.learner_name, e.question_id, e.reason) for e in queue] == [
            ("Amina", ESSAY, "ungraded"),
            ("Bilal", ESSAY, "ungraded"),
        ]
        assert len(grading_queue(s, people.admin)) == 3
        assert grading_queue(s, people.amina) == []
        assert grading_queue(s, people.other_teacher) == []
    with store.write() as s:
        grade_answer(s, people.teacher, amina, ESSAY, score=3)
    with store.read() as s:
        assert [e.attempt_id for e in grading_queue(s, people.teacher)] == [bilal]


def test_a_conflict_comes_back_to_the_queue_until_resolved(store: Store, people: People) -> None:
    attempt_id = submitted_attempt(store, people.amina)
    with store.write() as s:
        mine = grade_answer(s, people.teacher, attempt_id, ESSAY, score=3)
    # The same answer graded on another laptop from the same base, coming down later.
    theirs = dict(mine) | {
        "revision_id": "rev-from-hub",
        "hlc": "000000000000001-000000-hub",
        "score": 1.0,
        "comment": "graded on the hub",
    }
    with store.write() as s:
        apply_grade_record(s, theirs)
    with store.read() as s:
        assert [e.reason for e in grading_queue(s, people.teacher)] == ["conflict"]
        detail = answer_for_grading(s, people.teacher, attempt_id, ESSAY)
    assert detail.current is not None and detail.current["revision_id"] == mine["revision_id"]
    assert [r["revision_id"] for r in detail.conflicting] == ["rev-from-hub"]
    with store.write() as s:
        grade_answer(s, people.teacher, attempt_id, ESSAY, score=2, comment="Agreed: 2.")
    with store.read() as s:
        assert grading_queue(s, people.teacher) == []


def test_a_student_cannot_read_another_students_attempts(store: Store, people: People) -> None:
    amina = submitted_attempt(store, people.amina)
    with store.read() as s:
        assert [a.attempt_id for a in attempts_of(s, people.amina, people.amina)] == [amina]
        assert review_attempt(s, people.amina, amina).attempt_id == amina
        with pytest.raises(PermissionDenied, match="Bilal may not see the work of Amina"):
            attempts_of(s, people.bilal, people.amina)
        with pytest.raises(PermissionDenied):
            review_attempt(s, people.bilal, amina)
        with pytest.raises(PermissionDenied):
            answer_for_grading(s, people.amina, amina, ESSAY)


def test_a_parent_reads_their_childs_review_but_cannot_grade(store: Store, people: People) -> None:
    amina = submitted_attempt(store, people.amina)
    bilal = submitted_attempt(store, people.bilal)
    with store.read() as s:
        assert review_attempt(s, people.parent, amina).attempt_id == amina
        with pytest.raises(PermissionDenied):
            review_attempt(s, people.parent, bilal)
    with pytest.raises(PermissionDenied), store.write() as s:
        grade_answer(s, people.parent, amina, ESSAY, score=4)

"""Grading on the teacher's laptop: rubric, comment, override, regrade, and the graded event."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts.permissions import PermissionDenied
from app.attempts import review
from app.db.models import Event
from app.db.store import Store
from app.events import Verb
from app.grading.records import GradeRecordModel
from app.grading.rubrics import RubricError, set_rubric
from app.grading.service import GradingError, grade_answer, regrade_question
from app.grading.tables import GradeRecord
from tests.accounts.people import People, make_people
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID
from tests.grading.quiz import CHOICE, ESSAY, import_graded_quiz, submitted_attempt

RUBRIC = [
    {
        "id": "idea",
        "title": "Idea",
        "levels": [
            {"id": "missing", "title": "Missing", "points": 0},
            {"id": "clear", "title": "Clear", "points": 2},
        ],
    },
    {
        "id": "units",
        "title": "Units",
        "levels": [
            {"id": "wrong", "title": "Wrong", "points": 0},
            {"id": "half", "title": "Partly", "points": 1},
            {"id": "right", "title": "Right", "points": 2},
        ],
    },
]


@pytest.fixture
def people(store: Store, tmp_path: Path) -> People:
    import_graded_quiz(store, tmp_path / "course")
    return make_people(store)


def test_a_rubric_grade_and_comment_reach_the_learners_review(store: Store, people: People) -> None:
    attempt_id = submitted_attempt(store, people.amina)
    with store.read() as s:
        before = review(s, attempt_id)
    assert before.awaiting_grading == 1 and before.points == 2.0
    with store.write() as s:
        set_rubric(s, people.teacher, COURSE_ID, QUIZ_ID, ESSAY, RUBRIC)
        grade_answer(
            s,
            people.teacher,
            attempt_id,
            ESSAY,
            rubric_choices={"idea": "clear", "units": "half"},
            comment="Good idea; say which units.",
        )
    with store.read() as s:
        after = review(s, attempt_id)
    essay = next(q for q in after.questions if q.question_id == ESSAY)
    assert after.awaiting_grading == 0 and after.points == 5.0 and after.passed
    assert essay.earned == 3.0 and not essay.awaiting_grading
    assert essay.teacher is not None
    assert essay.teacher.comment == "Good idea; say which units."
    assert essay.teacher.grader_name == "Mr Teacher"
    assert essay.teacher.rubric == [("Idea", "Clear", 2.0), ("Units", "Partly", 1.0)]


def test_every_grade_is_a_record_written_with_its_graded_event(
    store: Store, people: People
) -> None:
    attempt_id = submitted_attempt(store, people.amina)
    with store.write() as s:
        first = grade_answer(s, people.teacher, attempt_id, ESSAY, score=1, comment="Short.")
    with store.write() as s:
        second = grade_answer(s, people.teacher, attempt_id, ESSAY, score=2.5)
    assert second["base_revision"] == first["revision_id"]
    with store.read() as s:
        events = s.scalars(select(Event).where(Event.verb == Verb.GRADED.value)).all()
        stored = s.scalars(select(GradeRecord)).all()
        points = review(s, attempt_id).points
    assert points == 4.5
    assert len(events) == len(stored) == 2
    carried = [e.result["grade_record"] for e in events if e.result]
    assert carried == [first, second]
    # The record in the event is the travelling format the server hands back down.
    GradeRecordModel.model_validate(carried[1])
    assert all(
        e.user_id == people.teacher and e.context["learner_id"] == people.amina for e in events
    )


def test_a_failed_grade_writes_neither_record_nor_event(store: Store, people: People) -> None:
    attempt_id = submitted_attempt(store, people.amina)
    with pytest.raises(GradingError, match="0 to 4 points, not 9"), store.write() as s:
        grade_answer(s, people.teacher, attempt_id, ESSAY, score=9)
    with pytest.raises(RubricError, match="no rubric"), store.write() as s:
        grade_answer(s, people.teacher, attempt_id, ESSAY, rubric_choices={"idea": "clear"})
    with store.read() as s:
        assert s.scalars(select(GradeRecord)).all() == []
        assert s.scalars(select(Event).where(Event.verb == Verb.GRADED.value)).all() == []


def test_a_rubric_worth_more_than_the_question_is_refused(store: Store, people: People) -> None:
    too_much = [RUBRIC[0] | {"levels": [{"id": "x", "title": "X", "points": 5}]}]
    refused = "add up to 5 points, more than the question's 4"
    with pytest.raises(RubricError, match=refused), store.write() as s:
        set_rubric(s, people.teacher, COURSE_ID, QUIZ_ID, ESSAY, too_much)


def test_only_the_learners_teacher_grades(store: Store, people: People) -> None:
    attempt_id = submitted_attempt(store, people.amina)
    for actor in (people.amina, people.bilal, people.parent, people.other_teacher):
        with pytest.raises(PermissionDenied), store.write() as s:
            grade_answer(s, actor, attempt_id, ESSAY, score=4)
    with pytest.raises(PermissionDenied), store.write() as s:
        regrade_question(s, people.amina, COURSE_ID, QUIZ_ID, CHOICE)


def test_an_auto_graded_answer_can_be_overridden(store: Store, people: People) -> None:
    attempt_id = submitted_attempt(store, people.amina, choice="c")
    with store.write() as s:
        grade_answer(s, people.teacher, attempt_id, ESSAY, score=4)
        grade_answer(s, people.teacher, attempt_id, CHOICE, score=1, comment="Half right.")
    with store.read() as s:
        result = review(s, attempt_id)
    choice = next(q for q in result.questions if q.question_id == CHOICE)
    assert choice.earned == 1.0 and result.points == 5.0


def test_regrading_a_question_after_fixing_its_key(
    store: Store, people: People, tmp_path: Path
) -> None:
    right = submitted_attempt(store, people.amina, choice="b")
    wrong = submitted_attempt(store, people.bilal, choice="c")
    # The author fixes the key: "c" was the right answer all along.
    import_graded_quiz(store, tmp_path / "fixed", answer="c", version="1.0.1")
    with store.write() as s:
        summary = regrade_question(s, people.teacher, COURSE_ID, QUIZ_ID, CHOICE)
    assert (summary.answers, summary.changed, summary.attempts) == (2, 2, 2)
    with store.read() as s:
        assert review(s, right).points == 0.0
        assert review(s, wrong).points == 2.0
    with store.write() as s:
        again = regrade_question(s, people.teacher, COURSE_ID, QUIZ_ID, CHOICE)
    assert again.changed == 0


def test_regrade_keeps_a_teachers_override(store: Store, people: People, tmp_path: Path) -> None:
    attempt_id = submitted_attempt(store, people.amina, choice="c")
    with store.write() as s:
        grade_answer(s, people.teacher, attempt_id, CHOICE, score=0.5)
    import_graded_quiz(store, tmp_path / "fixed", answer="c", version="1.0.1")
    with store.write() as s:
        summary = regrade_question(s, people.teacher, COURSE_ID, QUIZ_ID, CHOICE)
    assert summary.changed == 0
    with store.read() as s:
        choice = next(q for q in review(s, attempt_id).questions if q.question_id == CHOICE)
    assert choice.earned == 0.5


def test_an_essay_cannot_be_regraded_by_key(store: Store, people: People) -> None:
    with pytest.raises(GradingError, match="graded by a teacher"), store.write() as s:
        regrade_question(s, people.teacher, COURSE_ID, QUIZ_ID, ESSAY)


def test_the_last_grade_settles_the_learners_progress(store: Store, people: People) -> None:
    from app.db.models import Progress

    attempt_id = submitted_attempt(store, people.amina)
    with store.read() as s:
        before = s.get(Progress, (people.amina, COURSE_ID, QUIZ_ID))
        assert before is not None and not before.passed
    with store.write() as s:
        grade_answer(s, people.teacher, attempt_id, ESSAY, score=4)
    with store.read() as s:
        after = s.get(Progress, (people.amina, COURSE_ID, QUIZ_ID))
        outcome = s.scalars(
            select(Event).where(Event.verb == Verb.PASSED.value, Event.user_id == people.amina)
        ).all()
    assert after is not None and after.passed and after.best_score == 1.0
    assert len(outcome) == 1 and outcome[0].context["graded_by"] == people.teacher

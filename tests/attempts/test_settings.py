"""Assessment settings: pools, availability, feedback timing, attempt policy, hints,
confidence, teacher-graded questions, and the settings' way through import and export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.attempts import (
    AttemptError,
    check_answer,
    review,
    save_answer,
    start_or_resume,
    submit,
    take_hint,
)
from app.courses.exporter import export_course
from app.courses.importer import CourseImportError
from app.db.models import AttemptStatus, Event, Question
from app.db.store import Store
from app.events import Verb
from tests.attempts.conftest import MakeQuiz, answer_row, attempt_row
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID, choice_question

DUE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def start(store: Store, learner: str, **kw):
    with store.write() as s:
        return start_or_resume(s, learner, COURSE_ID, QUIZ_ID, **kw)


def test_a_pool_draws_n_questions_fixed_for_the_attempt(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(settings={"draw_count": 3, "shuffle_questions": True})
    drawn = []
    for _ in range(6):
        view = start(store, learner)
        order = [q.question_id for q in view.questions]
        assert len(order) == 3 and len(set(order)) == 3
        assert [q.question_id for q in start(store, learner).questions] == order  # resume
        with store.write() as s:
            submit(s, view.attempt_id)
        drawn.append(frozenset(order))
    assert len(set(drawn)) > 1, "each attempt draws its own questions"


def test_attempts_start_only_inside_the_availability_window(
    make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(
        settings={
            "available_from": "2026-05-01T08:00:00Z",
            "available_until": "2026-05-08T08:00:00+00:00",
        }
    )
    with pytest.raises(AttemptError, match="opens on 2026-05-01 08:00 UTC"):
        start(store, learner, now=datetime(2026, 4, 30, tzinfo=UTC))
    with pytest.raises(AttemptError, match="closed on 2026-05-08 08:00 UTC"):
        start(store, learner, now=datetime(2026, 5, 9, tzinfo=UTC))
    view = start(store, learner, now=datetime(2026, 5, 2, tzinfo=UTC))
    # An attempt started in time can still be finished after the window closes.
    later = start(store, learner, now=datetime(2026, 5, 9, tzinfo=UTC))
    assert later.attempt_id == view.attempt_id


def test_after_due_feedback_is_withheld_until_the_due_date(
    make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(
        settings={"feedback_timing": "after_due", "due_at": DUE.isoformat()},
        questions=[choice_question("q1", feedback={"correct": "Well done", "incorrect": "No"})],
    )
    view = start(store, learner)
    with store.write() as s:
        save_answer(s, view.attempt_id, "q1", "a")
        submit(s, view.attempt_id)
    with store.read() as s:
        before = review(s, view.attempt_id, now=DUE - timedelta(minutes=1))
        after = review(s, view.attempt_id, now=DUE)
    assert before.feedback_hidden_until == DUE
    assert before.questions[0].correct_answer == "" and before.questions[0].feedback == ""
    assert after.feedback_hidden_until is None
    assert after.questions[0].correct_answer == "Option b" and after.questions[0].feedback == "No"


def test_immediate_feedback_during_the_attempt(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(
        settings={"feedback_timing": "immediate"},
        questions=[choice_question("q1", feedback={"correct": "Well done"})],
    )
    view = start(store, learner)
    assert view.feedback_timing == "immediate"
    with store.write() as s:
        save_answer(s, view.attempt_id, "q1", "b")
        checked = check_answer(s, view.attempt_id, "q1")
    assert checked is not None and checked.correct and checked.feedback == "Well done"
    store2 = make_quiz(version="1.0.1", questions=[choice_question("q1")])
    with store2.write() as s:  # after_submit (the default) tells nothing during the attempt
        assert check_answer(s, view.attempt_id, "q1") is None


@pytest.mark.parametrize(("policy", "expected"), [("best", 1.0), ("last", 0.0), ("average", 0.5)])
def test_the_attempt_policy_chooses_the_counted_score(
    make_quiz: MakeQuiz, learner: str, policy: str, expected: float
) -> None:
    store = make_quiz(settings={"attempt_policy": policy}, questions=[choice_question("q1")])
    for answer in ("b", "a"):
        view = start(store, learner)
        with store.write() as s:
            save_answer(s, view.attempt_id, "q1", answer)
            result = submit(s, view.attempt_id)
    assert result.attempt_policy == policy
    assert result.counted_score == pytest.approx(expected)


def test_hints_cost_the_penalty_and_are_recorded(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(settings={"hint_penalty": 0.25}, questions=[choice_question("q1")])
    with store.write() as s:
        # Hints reach Question.key from the quiz file's question "hints" (QuestionSpec).
        question = s.scalars(select(Question)).one()
        question.key = question.key | {"hints": ["Think of d/t.", "It is b."]}
    view = start(store, learner)
    assert view.questions[0].hint_count == 2
    with store.write() as s:
        assert take_hint(s, view.attempt_id, "q1") == "Think of d/t."
        assert take_hint(s, view.attempt_id, "q1") == "It is b."
    with store.write() as s, pytest.raises(AttemptError, match="no more hints"):
        take_hint(s, view.attempt_id, "q1")
    with store.write() as s:
        save_answer(s, view.attempt_id, "q1", "b")
        result = submit(s, view.attempt_id)
    assert result.questions[0].hints_used == 2
    assert result.points == pytest.approx(0.5) and result.questions[0].earned == pytest.approx(0.5)
    with store.read() as s:
        answered = s.scalars(select(Event).where(Event.verb == Verb.ANSWERED.value)).one()
        assert answered.context["hints_used"] == 2


def test_confidence_is_stored_with_the_answer(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(settings={"ask_confidence": True}, questions=[choice_question("q1")])
    view = start(store, learner)
    assert view.ask_confidence
    with store.write() as s:
        save_answer(s, view.attempt_id, "q1", "b", confidence=4)
    with store.write() as s, pytest.raises(AttemptError, match="confidence"):
        save_answer(s, view.attempt_id, "q1", "c", confidence=9)
    assert start(store, learner).confidence == {"q1": 4}
    with store.read() as s:
        assert answer_row(s, view.attempt_id, "q1").confidence == 4
        answered = s.scalars(select(Event).where(Event.verb == Verb.ANSWERED.value)).one()
        assert (answered.result or {}).get("confidence") == 4


def test_questions_for_a_teacher_are_left_ungraded(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(questions=[choice_question("q1"), choice_question("q2")])
    with store.write() as s:
        # An essay, as the quiz format will allow: no grader can mark it.
        essay = s.scalars(select(Question).where(Question.question_id == "q2")).one()
        essay.type, essay.options, essay.key = "essay", [], {}
    view = start(store, learner)
    with store.write() as s:
        save_answer(s, view.attempt_id, "q1", "b")
        save_answer(s, view.attempt_id, "q2", "Speed is distance over time, because ...")
        result = submit(s, view.attempt_id)
    assert result.awaiting_grading == 1
    assert result.points == 1.0 and result.max_points == 2.0
    essay_result = next(q for q in result.questions if q.question_id == "q2")
    assert essay_result.awaiting_grading and essay_result.earned == 0
    with store.read() as s:
        assert answer_row(s, view.attempt_id, "q2").score is None
        assert attempt_row(s, view.attempt_id).ungraded_count == 1
        verbs = [e.verb for e in s.scalars(select(Event))]
        assert Verb.COMPLETED.value in verbs and Verb.PASSED.value not in verbs


def test_settings_survive_export_and_reimport(
    make_quiz: MakeQuiz, learner: str, tmp_path: Path
) -> None:
    settings = {
        "time_limit_s": 900,
        "attempt_policy": "average",
        "draw_count": 2,
        "hint_penalty": 0.1,
        "ask_confidence": True,
        "feedback_timing": "after_due",
        "available_from": "2026-05-01T08:00:00Z",
        "available_until": "2026-06-08T08:00:00Z",
        "due_at": "2026-06-01T12:00:00Z",
    }
    store = make_quiz(settings=settings, quiz_type="exam")
    export_course(store, COURSE_ID, tmp_path / "out")
    quiz = json.loads((tmp_path / "out" / "quizzes" / "quiz.json").read_text(encoding="utf-8"))
    assert quiz["type"] == "exam"
    assert {k: quiz["settings"][k] for k in settings} == settings


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"feedback_timing": "after_due"}, "needs a 'due_at'"),
        ({"available_from": "2026-05-01T08:00:00"}, "timezone"),
        (
            {"available_from": "2026-05-02T00:00:00Z", "available_until": "2026-05-01T00:00:00Z"},
            "later than 'available_from'",
        ),
        ({"attempt_policy": "first"}, "attempt_policy"),
    ],
)
def test_bad_settings_are_refused_naming_the_file(
    make_quiz: MakeQuiz, settings: dict[str, str], problem: str
) -> None:
    with pytest.raises(CourseImportError) as err:
        make_quiz(settings=settings)
    assert "quiz.json" in str(err.value) and problem in str(err.value)


def essay_question(qid: str, word_limit: int) -> dict[str, object]:
    return {"id": qid, "type": "essay", "prompt": "Explain.", "word_limit": word_limit}


def test_an_essay_over_its_word_limit_is_kept_but_not_handed_in(
    make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(
        settings={"time_limit_s": 600},
        questions=[choice_question("q1"), essay_question("q2", word_limit=5)],
    )
    view = start(store, learner)
    too_long = "Speed is the distance covered per unit of time."
    with store.write() as s:
        save_answer(s, view.attempt_id, "q2", too_long, elapsed_s=10)
    with store.write() as s, pytest.raises(AttemptError, match=r"Question 2: 9 words, 4 over"):
        submit(s, view.attempt_id, elapsed_s=20)
    with store.read() as s:  # refused, not lost: the draft is there, the attempt still open
        assert answer_row(s, view.attempt_id, "q2").response == too_long
        assert attempt_row(s, view.attempt_id).status == AttemptStatus.IN_PROGRESS
    with store.write() as s:
        save_answer(s, view.attempt_id, "q2", "Distance over time.", elapsed_s=30)
        assert submit(s, view.attempt_id, elapsed_s=40).status == AttemptStatus.SUBMITTED


def test_at_expiry_an_overlong_essay_is_handed_in_as_it_stands(
    make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(settings={"time_limit_s": 60}, questions=[essay_question("q1", 3)])
    view = start(store, learner)
    with store.write() as s:
        save_answer(s, view.attempt_id, "q1", "one two three four five", elapsed_s=30)
        assert submit(s, view.attempt_id, elapsed_s=61).status == AttemptStatus.TIMED_OUT

"""Calibrated parameters from the server land on the stored questions, or nothing changes."""

from __future__ import annotations

import pytest

from app.adaptive.params import ItemParamsError, apply_item_params, effective_parameters
from app.db.models import Question
from app.db.store import Store
from tests.attempts.conftest import MakeQuiz
from tests.attempts.quiz_course import COURSE_ID, choice_question

STAMP = "2026-12-01T10:00:00Z"


def _questions(store: Store) -> dict[str, Question]:
    with store.read() as s:
        return {q.question_id: q for q in s.query(Question).all()}


@pytest.fixture
def quiz_store(make_quiz: MakeQuiz) -> Store:
    return make_quiz(questions=[choice_question(f"q{n}") for n in range(1, 4)])


def test_applied_parameters_are_stored_and_counted(quiz_store: Store) -> None:
    with quiz_store.write() as s:
        changed = apply_item_params(
            s,
            COURSE_ID,
            {"q1": {"a": 1.4, "b": -0.5, "c": 0.2}, "quiz/q2": {"a": 0.8, "b": 1.1}},
            calibrated_at=STAMP,
        )
    assert changed == 2
    questions = _questions(quiz_store)
    assert (questions["q1"].irt_a, questions["q1"].irt_b, questions["q1"].irt_c) == (1.4, -0.5, 0.2)
    assert effective_parameters(questions["q2"], "3PL") == (0.8, 1.1, 0.0)
    assert questions["q2"].params_calibrated_at == STAMP
    assert questions["q3"].irt_b is None and questions["q3"].params_calibrated_at is None
    # The same values again change nothing.
    with quiz_store.write() as s:
        again = apply_item_params(
            s, COURSE_ID, {"q1": {"a": 1.4, "b": -0.5, "c": 0.2}}, calibrated_at=STAMP
        )
    assert again == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": {"b": 0.0}}, "has no question 'nope'"),
        ({"q2": {"a": 0.0, "b": 0.0}}, "'a' (discrimination) must be > 0"),
        ({"q2": {"a": -1.0, "b": 0.0}}, "'a' (discrimination) must be > 0"),
        ({"q2": {"b": 0.0, "c": 1.0}}, "'c' (guessing) must be in [0, 1)"),
        ({"q2": {"b": 0.0, "c": -0.1}}, "'c' (guessing) must be in [0, 1)"),
        ({"q2": {"b": float("nan")}}, "'b' must be a finite number"),
        ({"q2": {"a": 1.0}}, "'b' (difficulty) is missing"),
        ({"q2": {"b": 0.0, "d": 1.0}}, "unknown key(s) d"),
        ({"q2": {"b": "hard"}}, "'b' must be a number"),
    ],
)
def test_bad_parameters_change_nothing(
    quiz_store: Store, params: dict[str, dict[str, float]], message: str
) -> None:
    batch = {"q1": {"a": 2.0, "b": 0.3}, **params}  # q1 is fine, but the batch is refused whole
    with quiz_store.write() as s, pytest.raises(ItemParamsError) as caught:
        apply_item_params(s, COURSE_ID, batch, calibrated_at=STAMP)
    assert message in str(caught.value)
    questions = _questions(quiz_store)
    assert all(q.irt_a is None and q.irt_b is None for q in questions.values())
    assert all(q.params_calibrated_at is None for q in questions.values())


def test_calibration_time_must_be_iso_with_zone(quiz_store: Store) -> None:
    with quiz_store.write() as s:
        with pytest.raises(ItemParamsError, match="ISO 8601"):
            apply_item_params(s, COURSE_ID, {"q1": {"b": 0.0}}, calibrated_at="yesterday")
        with pytest.raises(ItemParamsError, match="time zone"):
            apply_item_params(s, COURSE_ID, {"q1": {"b": 0.0}}, calibrated_at="2026-12-01T10:00")


def test_default_parameters_follow_the_model(quiz_store: Store) -> None:
    with quiz_store.write() as s:
        q = s.query(Question).filter_by(question_id="q1").one()
        q.difficulty = "hard"
        assert effective_parameters(q, "2PL") == (1.0, 1.0, 0.0)
        q.irt_a, q.irt_c = 2.0, 0.25
        assert effective_parameters(q, "1PL") == (1.0, 1.0, 0.0)
        assert effective_parameters(q, "2PL") == (2.0, 1.0, 0.0)
        assert effective_parameters(q, "3PL") == (2.0, 1.0, 0.25)
        s.rollback()

"""The demo course's adaptive practice quiz imports and runs: a strong learner is placed above
average and a weak one below, each within the quiz's length rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.adaptive_attempts import commit_answer, start_or_resume_adaptive, submit_adaptive
from app.assess.describe import describe_correct_answer
from app.attempts import save_answer
from app.db.models import Question
from app.db.store import Store
from app.profiles import create_profile

COURSE = "demo.speed-distance-time"
QUIZ = "quiz-adaptive"


def _right_answer(question: Question) -> object:
    key = question.key
    if question.type == "short_answer":
        return key["answers"][0]
    return key["answer"]


def _wrong_answer(question: Question) -> object:
    if question.type == "single_choice":
        return next(o["id"] for o in question.options if o["id"] != question.key["answer"])
    if question.type == "true_false":
        return not question.key["answer"]
    if question.type == "numeric":
        return question.key["answer"] + 1000
    return "no idea"


@pytest.mark.parametrize("strong", [True, False])
def test_demo_adaptive_quiz_places_learners(demo_store: Store, strong: bool) -> None:
    with demo_store.write() as s:
        user = create_profile(s, "Strong" if strong else "Weak").id
        questions = {
            q.question_id: q
            for q in s.scalars(select(Question))
            if q.assessment.item.item_id == QUIZ
        }
        assert len(questions) == 20
        assert all(describe_correct_answer(q.type, q.key, q.options) for q in questions.values())
        view = start_or_resume_adaptive(s, user, COURSE, QUIZ)
        while not view.status.finished:
            assert view.current is not None
            question = questions[view.current.question_id]
            response = _right_answer(question) if strong else _wrong_answer(question)
            save_answer(s, view.attempt.attempt_id, question.question_id, response)
            view = commit_answer(s, view.attempt.attempt_id, question.question_id)
        result = submit_adaptive(s, view.attempt.attempt_id)
    assert 5 <= result.asked <= 12
    assert result.correct == (result.asked if strong else 0)
    assert (result.theta > 0.5) if strong else (result.theta < -0.5)

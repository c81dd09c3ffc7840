"""Fixtures for attempts: a store with a small quiz course whose settings a test chooses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.courses.importer import import_course
from app.db.models import Answer, Attempt
from app.db.store import Store
from tests.attempts.quiz_course import write_quiz_course
from ui.pages.quiz import QuizRunner
from ui.widgets.answers import ChoiceAnswer, TextAnswer

MakeQuiz = Callable[..., Store]


@pytest.fixture
def make_quiz(store: Store, tmp_path: Path) -> MakeQuiz:
    """Import a one-quiz course with the given settings/questions into `store`."""

    def make(**course: Any) -> Store:
        folder = write_quiz_course(tmp_path / f"course-{course.get('version', '1.0.0')}", **course)
        import_course(store, folder)
        return store

    return make


def answer_row(session: Session, attempt_id: str, question_id: str) -> Answer:
    answer = session.get(Answer, (attempt_id, question_id))
    assert answer is not None, f"no stored answer to {question_id}"
    return answer


def attempt_row(session: Session, attempt_id: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    assert attempt is not None
    return attempt


def text_box(runner: QuizRunner) -> TextAnswer:
    assert isinstance(runner.answer, TextAnswer)
    return runner.answer


def choice_box(runner: QuizRunner) -> ChoiceAnswer:
    assert isinstance(runner.answer, ChoiceAnswer)
    return runner.answer

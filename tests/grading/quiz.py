"""A quiz with an essay (teacher-graded) and a choice question, and a learner's submitted try."""

from __future__ import annotations

from pathlib import Path

from app.attempts import save_answer, start_or_resume, submit
from app.courses.importer import import_course
from app.db.store import Store
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID, choice_question, write_quiz_course

ESSAY = "essay"
CHOICE = "choice"


def import_graded_quiz(
    store: Store, folder: Path, *, answer: str = "b", version: str = "1.0.0"
) -> None:
    questions = [
        {"id": ESSAY, "type": "essay", "prompt": "Explain speed.", "points": 4},
        choice_question(CHOICE, answer=answer, points=2),
    ]
    import_course(
        store,
        write_quiz_course(
            folder, questions=questions, settings={"passing_score": 0.5}, version=version
        ),
    )


def submitted_attempt(
    store: Store, learner: str, *, essay: str = "Distance over time.", choice: str = "b"
) -> str:
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE_ID, QUIZ_ID)
    with store.write() as s:
        save_answer(s, view.attempt_id, ESSAY, essay)
        save_answer(s, view.attempt_id, CHOICE, choice)
    with store.write() as s:
        submit(s, view.attempt_id)
    return view.attempt_id

"""A small course with one quiz, written to a folder so tests can import it like any package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COURSE_ID = "test.attempts"
QUIZ_ID = "quiz"


def choice_question(qid: str, answer: str = "b", **extra: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "single_choice",
        "prompt": f"Question {qid}?",
        "options": [{"id": o, "text": f"Option {o}"} for o in ("a", "b", "c", "d")],
        "answer": answer,
        **extra,
    }


def text_question(qid: str, answer: str = "metre", **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": "short_answer", "prompt": f"Name {qid}.", "answers": [answer]}


def write_quiz_course(
    folder: Path,
    *,
    settings: dict[str, Any] | None = None,
    questions: list[dict[str, Any]] | None = None,
    quiz_type: str = "quiz",
    version: str = "1.0.0",
) -> Path:
    """Write course.json and quizzes/quiz.json into `folder`; returns the folder."""
    if questions is None:
        questions = [
            text_question(f"q{n:02d}") if n % 2 else choice_question(f"q{n:02d}")
            for n in range(1, 11)
        ]
    (folder / "quizzes").mkdir(parents=True, exist_ok=True)
    quiz = {"type": quiz_type, "settings": settings or {}, "questions": questions}
    (folder / "quizzes" / "quiz.json").write_text(json.dumps(quiz, indent=2), encoding="utf-8")
    course = {
        "format": "slate-course/1",
        "id": COURSE_ID,
        "version": version,
        "title": "Attempts test course",
        "modules": [
            {
                "id": "m1",
                "title": "Module",
                "items": [
                    {
                        "id": QUIZ_ID,
                        "title": "The quiz",
                        "kind": "quiz",
                        "file": "quizzes/quiz.json",
                    }
                ],
            }
        ],
    }
    (folder / "course.json").write_text(json.dumps(course, indent=2), encoding="utf-8")
    return folder

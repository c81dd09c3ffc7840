"""An adaptive quiz course for tests: single-choice questions whose right answer is always "b",
with difficulties spread over the ability scale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.attempts.quiz_course import choice_question, write_quiz_course

RIGHT, WRONG = "b", "a"


def adaptive_questions(n: int = 20, *, topics: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    questions = []
    for k in range(n):
        extra: dict[str, Any] = {"irt": {"a": 1.6, "b": round(-2.0 + 4.0 * k / max(n - 1, 1), 3)}}
        if topics:
            extra["topic"] = topics[k % len(topics)]
        questions.append(choice_question(f"a{k:02d}", RIGHT, **extra))
    return questions


def write_adaptive_course(
    folder: Path,
    *,
    adaptive: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    questions: list[dict[str, Any]] | None = None,
    version: str = "1.0.0",
) -> Path:
    rules = {"model": "2PL", "se_stop": 0.45, "max_length": 12, "randomesque": 3}
    return write_quiz_course(
        folder,
        settings={**(settings or {}), "adaptive": {**rules, **(adaptive or {})}},
        questions=questions if questions is not None else adaptive_questions(),
        version=version,
    )

"""Grading as pure functions, shared by the laptop and the server.

`grade_response(question_type, key, response)` returns the earned share of the question's
points, from 0.0 to 1.0. A response of None (unanswered) earns 0. The functions never touch the
database, so the server can regrade raw responses with exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.assess.choice import grade_multiple_choice, grade_single_choice, grade_true_false
from app.assess.numeric import grade_numeric
from app.assess.text import grade_short_answer

Grader = Callable[[dict[str, Any], Any], float]

GRADERS: dict[str, Grader] = {
    "single_choice": grade_single_choice,
    "multiple_choice": grade_multiple_choice,
    "true_false": grade_true_false,
    "numeric": grade_numeric,
    "short_answer": grade_short_answer,
}

QUESTION_TYPES = tuple(GRADERS)


class UnknownQuestionType(ValueError):
    pass


def grade_response(question_type: str, key: dict[str, Any], response: Any) -> float:
    try:
        grader = GRADERS[question_type]
    except KeyError:
        raise UnknownQuestionType(f"no grader for question type {question_type!r}") from None
    if response is None:
        return 0.0
    return grader(key, response)


__all__ = ["GRADERS", "QUESTION_TYPES", "UnknownQuestionType", "grade_response"]

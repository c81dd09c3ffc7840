"""Grading as pure functions, shared by the laptop and the server.

`grade_response(question_type, key, response)` returns the earned share of the question's
points, from 0.0 to 1.0. A response of None (unanswered) earns 0. The functions never touch the
database, so the server can regrade raw responses with exactly the same code.

Essays and descriptions are never auto-graded: `grade_response` raises `NotAutoGraded` for
them rather than return a share that would look like a grade (an essay waits for a teacher; a
description asks nothing). Callers that may meet them check `is_auto_graded(type)` first.
The same holds for the other manually graded types (app.assess.manual): file upload, drawing
and code. Course quizzes may contain them, so callers that grade a whole attempt must skip them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.assess.blanks import grade_blanks
from app.assess.choice import grade_multiple_choice, grade_single_choice, grade_true_false
from app.assess.manual import MANUAL_TYPES
from app.assess.matching import grade_matching
from app.assess.numeric import grade_numeric
from app.assess.ordering import grade_ordering
from app.assess.text import grade_short_answer

Grader = Callable[[dict[str, Any], Any], float]

GRADERS: dict[str, Grader] = {
    "single_choice": grade_single_choice,
    "multiple_choice": grade_multiple_choice,
    "true_false": grade_true_false,
    "numeric": grade_numeric,
    "short_answer": grade_short_answer,
    "matching": grade_matching,
    "ordering": grade_ordering,
    "fill_blanks": grade_blanks,
}

QUESTION_TYPES = tuple(GRADERS)
# Question types that exist but are graded by a person (essay) or not at all (description).
NOT_AUTO_GRADED = (*MANUAL_TYPES, "description")


class UnknownQuestionType(ValueError):
    pass


class NotAutoGraded(ValueError):
    """This question type has no automatic grade (an essay, an upload, a description)."""


def is_auto_graded(question_type: str) -> bool:
    return question_type in GRADERS


def grade_response(question_type: str, key: dict[str, Any], response: Any) -> float:
    try:
        grader = GRADERS[question_type]
    except KeyError:
        if question_type in NOT_AUTO_GRADED:
            raise NotAutoGraded(f"{question_type} questions are not graded automatically") from None
        raise UnknownQuestionType(f"no grader for question type {question_type!r}") from None
    if response is None:
        return 0.0
    return grader(key, response)


__all__ = [
    "GRADERS",
    "NOT_AUTO_GRADED",
    "QUESTION_TYPES",
    "NotAutoGraded",
    "UnknownQuestionType",
    "grade_response",
    "is_auto_graded",
]

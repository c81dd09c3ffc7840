"""Item parameters on stored questions: reading them for an adaptive test, and applying the ones
the server's calibration sends down.

A question's parameters are its stored `irt_a`, `irt_b`, `irt_c` where given; otherwise b comes
from its difficulty label (app.adaptive.irt.DIFFICULTY_TO_B), a is 1 and c is 0. The quiz's model
decides which of them count: 1PL uses b only, 2PL a and b, 3PL all three.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.adaptive.irt import difficulty_to_b
from app.db.models import Assessment, Item, Question
from app.errors import SlateError

MODELS = ("1PL", "2PL", "3PL")
PARAMETER_NAMES = ("a", "b", "c")


class ItemParamsError(SlateError, ValueError):
    """Calibrated parameters were refused; nothing was changed."""


def effective_parameters(question: Question, model: str) -> tuple[float, float, float]:
    """(a, b, c) an adaptive test uses for this question under `model` (1PL, 2PL or 3PL)."""
    if model not in MODELS:
        raise ValueError(f"unknown IRT model {model!r} (known: {', '.join(MODELS)})")
    b = question.irt_b if question.irt_b is not None else difficulty_to_b(question.difficulty)
    a = question.irt_a if model != "1PL" and question.irt_a is not None else 1.0
    c = question.irt_c if model == "3PL" and question.irt_c is not None else 0.0
    return float(a), float(b), float(c)


def parameters_problem(a: float | None, b: float | None, c: float | None) -> str | None:
    """What is impossible about these parameters, or None (None values are not checked)."""
    for name, value in (("a", a), ("b", b), ("c", c)):
        if value is not None and not math.isfinite(value):
            return f"'{name}' must be a finite number, not {value!r}"
    if a is not None and a <= 0:
        return f"'a' (discrimination) must be > 0, not {a}"
    if c is not None and not 0 <= c < 1:
        return f"'c' (guessing) must be in [0, 1), not {c}"
    return None


def _course_questions(session: Session, course_id: str) -> Sequence[tuple[str, Question]]:
    """(quiz item id, question) for every question of the course, retired ones included."""
    rows = session.execute(
        select(Item.item_id, Question)
        .join(Assessment, Assessment.item_pk == Item.pk)
        .join(Question, Question.assessment_pk == Assessment.pk)
        .where(Item.course_id == course_id)
    ).all()
    return [(item_id, question) for item_id, question in rows]


def _checked_values(question_key: str, values: Mapping[str, float]) -> tuple[float, float, float]:
    if not isinstance(values, Mapping):
        raise ItemParamsError(f"parameters for {question_key!r} must be an object with a, b, c")
    unknown = sorted(set(values) - set(PARAMETER_NAMES))
    if unknown:
        raise ItemParamsError(
            f"parameters for {question_key!r}: unknown key(s) {', '.join(unknown)} (only a, b, c)"
        )
    if "b" not in values:
        raise ItemParamsError(f"parameters for {question_key!r}: 'b' (difficulty) is missing")
    parsed: dict[str, float] = {}
    for name, default in (("a", 1.0), ("b", None), ("c", 0.0)):
        raw = values.get(name, default)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ItemParamsError(
                f"parameters for {question_key!r}: '{name}' must be a number, not {raw!r}"
            )
        parsed[name] = float(raw)
    problem = parameters_problem(parsed["a"], parsed["b"], parsed["c"])
    if problem:
        raise ItemParamsError(f"parameters for {question_key!r}: {problem}")
    return parsed["a"], parsed["b"], parsed["c"]


def apply_item_params(
    session: Session,
    course_id: str,
    params: Mapping[str, Mapping[str, float]],
    *,
    calibrated_at: str,
) -> int:
    """Store calibrated parameters on the course's questions; returns how many questions changed.

    Keys are question stable ids, either bare ("q7", which must name one question in the course)
    or qualified by the quiz item ("quiz-2/q7"). Each value is {"a", "b", "c"}: b is required, a
    missing a means 1 and a missing c means 0 (calibration describes the whole item). Unknown or
    ambiguous ids and impossible values (a <= 0, c outside [0, 1), not finite) are refused with
    an ItemParamsError before anything is changed. The caller commits; the next adaptive attempt
    reads the new values (an attempt in progress keeps the parameters it started with).
    """
    try:
        stamp = datetime.fromisoformat(calibrated_at)
    except (TypeError, ValueError):
        raise ItemParamsError(
            f"calibrated_at must be an ISO 8601 time, not {calibrated_at!r}"
        ) from None
    if stamp.tzinfo is None:
        raise ItemParamsError(f"calibrated_at {calibrated_at!r} needs a time zone (e.g. Z)")
    rows = _course_questions(session, course_id)
    by_bare: dict[str, list[Question]] = {}
    by_qualified: dict[str, Question] = {}
    for item_id, question in rows:
        by_bare.setdefault(question.question_id, []).append(question)
        by_qualified[f"{item_id}/{question.question_id}"] = question

    # Check everything first: a refused batch changes nothing.
    planned: list[tuple[Question, tuple[float, float, float]]] = []
    for key, values in params.items():
        if key in by_qualified:
            question = by_qualified[key]
        else:
            matches = by_bare.get(key, [])
            if not matches:
                raise ItemParamsError(f"course {course_id!r} has no question {key!r}")
            if len(matches) > 1:
                raise ItemParamsError(
                    f"question id {key!r} is used by {len(matches)} quizzes of course "
                    f"{course_id!r}; qualify it as '<quiz item id>/{key}'"
                )
            question = matches[0]
        planned.append((question, _checked_values(key, values)))

    changed = 0
    for question, (a, b, c) in planned:
        if (question.irt_a, question.irt_b, question.irt_c) != (a, b, c):
            question.irt_a, question.irt_b, question.irt_c = a, b, c
            changed += 1
        question.params_calibrated_at = calibrated_at
    session.flush()
    return changed

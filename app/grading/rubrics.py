"""Rubrics: criteria with levels and points for one question, and the points a choice gives.

A rubric is a list of criteria, each with levels worth some points:

    [{"id": "argument", "title": "Argument", "levels": [
        {"id": "weak", "title": "Weak", "points": 0},
        {"id": "clear", "title": "Clear", "points": 2}]}, ...]

Grading with a rubric picks one level per criterion; the grade is the sum of their points.
The best levels together may not be worth more than the question's points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from app.accounts.permissions import RUBRICS_EDIT, require
from app.errors import SlateError
from app.grading.tables import Rubric


class RubricError(SlateError):
    pass


class _Level(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    points: float = Field(ge=0)


class _Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    levels: list[_Level] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _unique_levels(self) -> _Criterion:
        ids = [level.id for level in self.levels]
        if len(ids) != len(set(ids)):
            raise ValueError(f"criterion {self.id!r} has two levels with the same id")
        return self


class _Criteria(BaseModel):
    criteria: list[_Criterion] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_criteria(self) -> _Criteria:
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError("two criteria have the same id")
        return self


@dataclass(frozen=True)
class RubricLevel:
    id: str
    title: str
    points: float


@dataclass(frozen=True)
class RubricCriterion:
    id: str
    title: str
    levels: list[RubricLevel]


def _parse(criteria: list[Any], where: str) -> list[_Criterion]:
    try:
        return _Criteria.model_validate({"criteria": criteria}).criteria
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise RubricError(f"rubric for {where}: {problems}") from None


def set_rubric(
    session: Session,
    actor_id: str,
    course_id: str,
    item_id: str,
    question_id: str,
    criteria: list[Any],
) -> list[RubricCriterion]:
    """Store (replace) the rubric of a question. The caller commits."""
    from app.courses.catalog import get_item

    require(session, actor_id, RUBRICS_EDIT, course_id=course_id)
    where = f"question {question_id!r} of {item_id!r}"
    parsed = _parse(criteria, where)
    assessment = get_item(session, course_id, item_id).assessment
    question = next(
        (q for q in (assessment.questions if assessment else []) if q.question_id == question_id),
        None,
    )
    if question is None:
        raise RubricError(f"rubric for {where}: there is no such question")
    best = sum(max(level.points for level in c.levels) for c in parsed)
    if best > question.points + 1e-9:
        raise RubricError(
            f"rubric for {where}: the best levels add up to {best:g} points, "
            f"more than the question's {question.points:g}"
        )
    row = session.get(Rubric, (course_id, item_id, question_id))
    stored = [c.model_dump() for c in parsed]
    if row is None:
        session.add(
            Rubric(course_id=course_id, item_id=item_id, question_id=question_id, criteria=stored)
        )
    else:
        row.criteria = stored
        row.updated_at = datetime.now(UTC)
    session.flush()
    return _criteria(stored)


def _criteria(stored: list[Any]) -> list[RubricCriterion]:
    return [
        RubricCriterion(
            c["id"],
            c["title"],
            [RubricLevel(lv["id"], lv["title"], lv["points"]) for lv in c["levels"]],
        )
        for c in stored
    ]


def get_rubric(
    session: Session, course_id: str, item_id: str, question_id: str
) -> list[RubricCriterion]:
    """The rubric of a question ([] when it has none). Rubrics are no secret: read freely."""
    row = session.get(Rubric, (course_id, item_id, question_id))
    return _criteria(row.criteria) if row else []


def rubric_points(
    session: Session, course_id: str, item_id: str, question_id: str, choices: dict[str, str]
) -> float:
    """The points of one level chosen for every criterion; refuses a missing or unknown one."""
    criteria = get_rubric(session, course_id, item_id, question_id)
    if not criteria:
        raise RubricError(f"question {question_id!r} has no rubric to choose levels from")
    known = {c.id for c in criteria}
    unknown = sorted(set(choices) - known)
    if unknown:
        raise RubricError(f"rubric of {question_id!r} has no criterion {', '.join(unknown)}")
    total = 0.0
    for criterion in criteria:
        chosen = choices.get(criterion.id)
        if chosen is None:
            raise RubricError(f"choose a level for {criterion.title!r}")
        level = next((lv for lv in criterion.levels if lv.id == chosen), None)
        if level is None:
            raise RubricError(f"{criterion.title!r} has no level {chosen!r}")
        total += level.points
    return total

"""Grade records: the format of one teacher grade revision, and applying one to the store.

A teacher's grade of one answer is never updated in place: every change is a new *revision*
that names the revision it was made from (`base_revision`, None for the first grade) and any
other revisions the grader saw and replaced (`supersedes`, used to resolve a conflict). The
revisions of one answer form a graph; its *heads* are the revisions nothing replaces. With one
head there is nothing to decide. With several (two teachers graded the same answer on two
laptops, offline) all are kept, the one with the greatest hybrid logical clock (then the
greatest revision id) counts, and the answer is flagged so the teacher sees the conflict.

The record as it travels (a JSON object; the `graded` event carries it in `result.extensions`
and the server hands it back down unchanged):

| field | type | meaning |
| --- | --- | --- |
| revision_id | string, 1-36 | this revision (a UUIDv7 when made by Slate) |
| base_revision | string or null | the revision this one edits |
| supersedes | list of strings | other revisions this one replaces (conflict resolution) |
| hlc | string | hybrid logical clock `WALLMS-COUNTER-NODE` (app.grading.hlc) |
| grader_id | string | the teacher's user id |
| learner_id | string | the learner whose answer it is |
| attempt_id, question_id | string | the answer graded |
| course_id, item_id | string | the quiz, by the author's ids |
| score | number >= 0 | points given, at most max_points |
| max_points | number > 0 | the question's points when graded |
| comment | string | feedback for the learner (may be empty) |
| rubric | object | criterion id -> level id chosen (may be empty) |
| graded_at | ISO 8601 time | the grader's clock, for display only; never for ordering |

`apply_grade_record` is idempotent by revision id and order-free: applying the same records
in any order, any number of times, leaves the same current grade. It does not write an event
(a record coming down from the server was already an event elsewhere); `app.grading.service`
writes the `graded` event for a grade made on this laptop in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import SlateError
from app.grading.hlc import HLCTimestamp, observe
from app.grading.tables import AnswerGrade, GradeRecord

RECORD_FIELDS = (
    "revision_id",
    "base_revision",
    "supersedes",
    "hlc",
    "grader_id",
    "learner_id",
    "attempt_id",
    "question_id",
    "course_id",
    "item_id",
    "score",
    "max_points",
    "comment",
    "rubric",
    "graded_at",
)


class GradeRecordError(SlateError):
    """A grade record is malformed or clashes with one already stored."""


_Id = Field(min_length=1, max_length=36)
_ContentId = Field(min_length=1, max_length=64)


class GradeRecordModel(BaseModel):
    """The validated form of a record (see the table in the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    revision_id: str = _Id
    base_revision: str | None = Field(default=None, min_length=1, max_length=36)
    supersedes: tuple[str, ...] = ()
    hlc: str = Field(min_length=5, max_length=96)
    grader_id: str = _Id
    learner_id: str = _Id
    attempt_id: str = _Id
    question_id: str = _ContentId
    course_id: str = _ContentId
    item_id: str = _ContentId
    score: float = Field(ge=0)
    max_points: float = Field(gt=0)
    comment: str = Field(default="", max_length=20_000)
    rubric: dict[str, str] = Field(default_factory=dict)
    graded_at: datetime

    @field_validator("hlc")
    @classmethod
    def _hlc_parses(cls, value: str) -> str:
        HLCTimestamp.parse(value)
        return value

    @field_validator("graded_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("graded_at needs a time zone (write UTC with Z)")
        return value

    @model_validator(mode="after")
    def _score_in_range(self) -> GradeRecordModel:
        if self.score > self.max_points + 1e-9:
            raise ValueError(f"score {self.score} is above max_points {self.max_points}")
        if self.revision_id == self.base_revision or self.revision_id in self.supersedes:
            raise ValueError("a revision cannot replace itself")
        return self


def parse_record(record: Mapping[str, Any]) -> GradeRecordModel:
    """Validate a record; the error names the revision (when readable) and every bad field."""
    try:
        return GradeRecordModel.model_validate(dict(record))
    except ValidationError as exc:
        name = record.get("revision_id") if isinstance(record, Mapping) else None
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}"
            for err in exc.errors()
        )
        raise GradeRecordError(f"grade record {name or '(no revision_id)'}: {problems}") from None


def record_to_dict(row: GradeRecord) -> dict[str, Any]:
    """A stored revision in the travelling format (JSON-ready)."""
    return {
        "revision_id": row.revision_id,
        "base_revision": row.base_revision,
        "supersedes": list(row.supersedes or []),
        "hlc": row.hlc,
        "grader_id": row.grader_id,
        "learner_id": row.learner_id,
        "attempt_id": row.attempt_id,
        "question_id": row.question_id,
        "course_id": row.course_id,
        "item_id": row.item_id,
        "score": row.score,
        "max_points": row.max_points,
        "comment": row.comment,
        "rubric": dict(row.rubric or {}),
        "graded_at": row.graded_at.isoformat().replace("+00:00", "Z"),
    }


def _same(row: GradeRecord, parsed: GradeRecordModel) -> bool:
    stored = GradeRecordModel.model_validate(record_to_dict(row))
    return stored == parsed


def apply_grade_record(session: Session, record: Mapping[str, Any]) -> None:
    """Store one grade revision and settle the answer's current grade. The caller commits.

    Applying a revision already stored does nothing; a different record under a stored
    revision id is refused (GradeRecordError), as is a malformed one.
    """
    parsed = parse_record(record)
    existing = session.get(GradeRecord, parsed.revision_id)
    if existing is not None:
        if not _same(existing, parsed):
            raise GradeRecordError(
                f"grade record {parsed.revision_id}: a different record with this revision id "
                "is already stored"
            )
        return
    session.add(
        GradeRecord(
            revision_id=parsed.revision_id,
            base_revision=parsed.base_revision,
            supersedes=list(parsed.supersedes),
            hlc=parsed.hlc,
            grader_id=parsed.grader_id,
            learner_id=parsed.learner_id,
            attempt_id=parsed.attempt_id,
            question_id=parsed.question_id,
            course_id=parsed.course_id,
            item_id=parsed.item_id,
            score=parsed.score,
            max_points=parsed.max_points,
            comment=parsed.comment,
            rubric=dict(parsed.rubric),
            graded_at=parsed.graded_at,
        )
    )
    session.flush()
    observe(session, HLCTimestamp.parse(parsed.hlc))
    settle_answer(session, parsed.attempt_id, parsed.question_id)


def _order_key(row: GradeRecord) -> tuple[HLCTimestamp, str]:
    return HLCTimestamp.parse(row.hlc), row.revision_id


def heads(session: Session, attempt_id: str, question_id: str) -> list[GradeRecord]:
    """The revisions of one answer that no other revision replaces, winner first."""
    rows = session.scalars(
        select(GradeRecord).where(
            GradeRecord.attempt_id == attempt_id, GradeRecord.question_id == question_id
        )
    ).all()
    replaced: set[str] = set()
    for row in rows:
        if row.base_revision:
            replaced.add(row.base_revision)
        replaced.update(row.supersedes or [])
    return sorted((r for r in rows if r.revision_id not in replaced), key=_order_key, reverse=True)


def settle_answer(session: Session, attempt_id: str, question_id: str) -> GradeRecord | None:
    """Recompute which revision counts for an answer, flag a conflict, and carry the grade
    into the answer and its attempt when the attempt is on this laptop."""
    from app.grading.scoring import apply_teacher_share

    found = heads(session, attempt_id, question_id)
    if not found:
        return None
    winner, others = found[0], found[1:]
    current = session.get(AnswerGrade, (attempt_id, question_id))
    conflicting = sorted(r.revision_id for r in others)
    if current is None:
        session.add(
            AnswerGrade(
                attempt_id=attempt_id,
                question_id=question_id,
                revision_id=winner.revision_id,
                conflicting=conflicting,
            )
        )
    else:
        current.revision_id = winner.revision_id
        current.conflicting = conflicting
    apply_teacher_share(session, attempt_id, question_id, winner.score / winner.max_points)
    return winner

"""The store's tables for teacher grading: rubrics, grade revisions, current grades (0006)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, UTCDateTime, utcnow


class Rubric(Base):
    """Criteria with levels and points for one question of a quiz (by the author's ids)."""

    __tablename__ = "rubrics"
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # [{"id", "title", "levels": [{"id", "title", "points"}]}]
    criteria: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GradeRecord(Base):
    """One revision of a teacher's grade for one answer; never changed once written.

    Attempts and graders are referred to by id without foreign keys: a grade that comes down
    from the server may be for an attempt taken, or by a teacher signed in, on another laptop.
    """

    __tablename__ = "grade_records"
    revision_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    base_revision: Mapped[str | None] = mapped_column(String(36))
    # Other revisions the grader saw and replaced (resolving a conflict), besides the base.
    supersedes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hlc: Mapped[str] = mapped_column(String(96))
    grader_id: Mapped[str] = mapped_column(String(36))
    learner_id: Mapped[str] = mapped_column(String(36))
    attempt_id: Mapped[str] = mapped_column(String(36))
    question_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    # {criterion id: level id}
    rubric: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


Index("ix_grade_records_answer", GradeRecord.attempt_id, GradeRecord.question_id)


class AnswerGrade(Base):
    """The grade that counts for an answer now (derived from grade_records, rebuildable)."""

    __tablename__ = "answer_grades"
    attempt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision_id: Mapped[str] = mapped_column(String(36))
    # Other revisions made concurrently with the winner: the teacher is shown the conflict.
    conflicting: Mapped[list[Any]] = mapped_column(JSON, default=list)

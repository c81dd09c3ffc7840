"""The laptop store's tables.

Learner records (attempts, events, progress) refer to course content by the author's stable ids
(`course_id`, `item_id`, `question_id`), never by row numbers, so a newer version of a course can
replace content rows and every learner keeps their history.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones), always read back as an aware UTC time."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Role(enum.StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    ADMINISTRATOR = "administrator"
    PARENT = "parent"


class ItemKind(enum.StrEnum):
    LESSON = "lesson"
    VIDEO = "video"
    DOCUMENT = "document"
    QUIZ = "quiz"


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"


class Meta(Base):
    """Key/value facts about this store: its source id, device credentials, settings."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Media(Base):
    """A file in the content-addressed media folder (`media/ab/abcd....ext`)."""

    __tablename__ = "media"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(100))
    ext: Mapped[str] = mapped_column(String(16))
    # Filled by the media probe at import, for video and audio.
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    fps: Mapped[float | None] = mapped_column(Float)
    codec: Mapped[str | None] = mapped_column(String(32))
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(35), default="en")
    level: Mapped[str] = mapped_column(String(120), default="")
    license: Mapped[str] = mapped_column(String(120), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )


class CourseFile(Base):
    """Maps a package-relative path (e.g. `media/graph.png`) to stored media, for lesson images."""

    __tablename__ = "course_files"
    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"))


class Module(Base):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "module_id"),)
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    course: Mapped[Course] = relationship(back_populates="modules")
    items: Mapped[list[Item]] = relationship(
        back_populates="module", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(Base):
    """One step of a module: a reading lesson, a video, a document or a quiz."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("course_id", "item_id"),)
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_pk: Mapped[int] = mapped_column(ForeignKey("modules.pk", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ItemKind] = mapped_column(Enum(ItemKind, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Markdown body of a lesson, or the notes under a video.
    body_md: Mapped[str] = mapped_column(Text, default="")
    # Package path of the Markdown file, so links between lessons can be resolved.
    source_path: Mapped[str] = mapped_column(String(500), default="")
    media_sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256"))
    duration_s: Mapped[float | None] = mapped_column(Float)
    # [{"title": ..., "start_s": ...}] for videos.
    chapters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    module: Mapped[Module] = relationship(back_populates="items")
    subtitles: Mapped[list[SubtitleTrack]] = relationship(cascade="all, delete-orphan")
    assessment: Mapped[Assessment | None] = relationship(
        back_populates="item", cascade="all, delete-orphan", uselist=False
    )


class SubtitleTrack(Base):
    __tablename__ = "subtitle_tracks"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.pk", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    label: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"))


class Assessment(Base):
    __tablename__ = "assessments"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.pk", ondelete="CASCADE"), unique=True)
    type: Mapped[str] = mapped_column(String(32), default="quiz")
    time_limit_s: Mapped[int | None] = mapped_column(Integer)
    passing_score: Mapped[float] = mapped_column(Float, default=0.6)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which submitted attempt is the learner's result: best, last or average (AttemptPolicy).
    attempt_policy: Mapped[str] = mapped_column(String(16), default="best", server_default="best")
    # Question pool: each attempt draws this many of the questions (all when None).
    draw_count: Mapped[int | None] = mapped_column(Integer)
    # Share of a question's points lost per hint used (0.25: each hint costs a quarter).
    hint_penalty: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Whether the learner is asked how confident they are in each answer.
    ask_confidence: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When answers, scores and feedback are shown: immediate, after_submit or after_due.
    feedback_timing: Mapped[str] = mapped_column(
        String(16), default="after_submit", server_default="after_submit"
    )
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An adaptive quiz's rules (model, se_stop, min/max length, randomesque, topic targets), as
    # the package's `adaptive` block; None for a quiz with a fixed or pooled question list.
    adaptive: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    item: Mapped[Item] = relationship(back_populates="assessment")
    questions: Mapped[list[Question]] = relationship(
        back_populates="assessment", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("assessment_pk", "question_id"),)
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_pk: Mapped[int] = mapped_column(ForeignKey("assessments.pk", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    prompt_md: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float, default=1.0)
    # [{"id", "text", "feedback"}] for choice questions, [] otherwise.
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Everything grading needs besides the options: answer, tolerance, scoring, ...
    key: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {"correct": "...", "incorrect": "..."}
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Item response theory parameters for adaptive quizzes (None: not given; b then comes from
    # `difficulty`, a defaults to 1 and c to 0). Calibration from the server overwrites a, b, c
    # and stamps `params_calibrated_at` (app.adaptive.params).
    irt_a: Mapped[float | None] = mapped_column(Float)
    irt_b: Mapped[float | None] = mapped_column(Float)
    irt_c: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[str | None] = mapped_column(String(16))
    # What content balancing counts in an adaptive quiz.
    topic: Mapped[str | None] = mapped_column(String(120))
    params_calibrated_at: Mapped[str | None] = mapped_column(String(40))
    assessment: Mapped[Assessment] = relationship(back_populates="questions")


class QuestionBank(Base):
    """Questions imported from another tool's file (GIFT, Aiken, QTI), kept for authoring."""

    __tablename__ = "question_banks"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    source_name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[str | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    questions: Mapped[list[BankQuestion]] = relationship(
        back_populates="bank", order_by="BankQuestion.position", cascade="all, delete-orphan"
    )


class BankQuestion(Base):
    __tablename__ = "bank_questions"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_pk: Mapped[int] = mapped_column(ForeignKey("question_banks.pk", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    prompt: Mapped[str] = mapped_column(Text)
    # markdown, html or plain: how `prompt` and feedback texts are to be shown.
    prompt_format: Mapped[str] = mapped_column(String(16), default="markdown")
    points: Mapped[float] = mapped_column(Float, default=1.0)
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    key: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_line: Mapped[int | None] = mapped_column(Integer)
    bank: Mapped[QuestionBank] = relationship(back_populates="questions")


class Attempt(Base):
    __tablename__ = "attempts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[AttemptStatus] = mapped_column(
        Enum(AttemptStatus, native_enum=False, length=20), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_index: Mapped[int] = mapped_column(Integer, default=0)
    # Question ids in the order this attempt shows them (fixed at start, so a resume matches).
    question_order: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # Seconds the attempt has been open in Slate, counted with a monotonic clock (app.attempts):
    # the wall clock is never used, so changing it cannot add or take away time.
    elapsed_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Questions awaiting a teacher's grade (essays and the like) at submission.
    ungraded_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Adaptive attempts: the ability estimate after the last committed answer and why the test
    # stopped. A report only: the estimate is re-derived from question_order and the answers.
    theta: Mapped[float | None] = mapped_column(Float)
    theta_se: Mapped[float | None] = mapped_column(Float)
    adaptive_stop: Mapped[str | None] = mapped_column(String(20))
    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")


Index("ix_attempts_user_item", Attempt.user_id, Attempt.course_id, Attempt.item_id)


class Answer(Base):
    __tablename__ = "answers"
    attempt_id: Mapped[str] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    response: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The earned share before any hint penalty is applied; None while a teacher has to grade it.
    score: Mapped[float | None] = mapped_column(Float)
    hints_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The learner's confidence in this answer, 1 (guess) to 5 (sure), when the quiz asks.
    confidence: Mapped[int | None] = mapped_column(Integer)
    # Seconds spent on this question (monotonic, summed over visits).
    time_spent_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class Event(Base):
    """An immutable learning event; the source of truth that progress is derived from."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("source_id", "seq"),)
    local_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    source_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    verb: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(500))
    course_id: Mapped[str | None] = mapped_column(String(64))
    course_version: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    clock_offset_ms: Mapped[int | None] = mapped_column(Integer)


Index("ix_events_user", Event.user_id, Event.course_id)


class SyncState(Base):
    """What the server has acknowledged for one source (one epoch of this store)."""

    __tablename__ = "sync_state"
    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    acked_through: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    clock_offset_ms: Mapped[int | None] = mapped_column(Integer)


class Progress(Base):
    """Per learner and item, derived from events by app.progress (rebuildable at any time)."""

    __tablename__ = "progress"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started: Mapped[bool] = mapped_column(Boolean, default=False)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    best_score: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Union of watched [start, end] seconds, for videos.
    watched: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position_s: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""The server's tables.

`events` keeps every learning event exactly once (primary key: the id the laptop made), and
`sources` keeps, per source (one epoch of one laptop's store), the acknowledgement mark the
server has committed. Changing a table here needs a new Alembic revision in migrations/versions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    SQLite has no time zone type and would hand back naive values; a naive value coming in is
    taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# none_as_null: a missing result is SQL NULL, not the JSON text "null".
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class School(Base):
    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    enrollment_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Only the hash is kept: a copy of the database must not let anyone push as a laptop.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Source(Base):
    __tablename__ = "sources"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    acked_through: Mapped[int] = mapped_column(BigInteger, default=0)
    hwm_event_id: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source_id", "seq", name="uq_events_source_id_seq"),
        Index("ix_events_device_id", "device_id"),
        Index("ix_events_school_id_user_id", "school_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.source_id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"))
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str | None] = mapped_column(String(200))
    verb: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(500))
    course_id: Mapped[str | None] = mapped_column(String(64))
    course_version: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    context: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger)


# -- USB bundles and LRS forwarding (sync/server/bundles.py, lrs_forward.py; revision s0003) --

# GET /xapi/statements pages by (stored, id), stored being received_at.
Index("ix_events_received_at_id", Event.received_at, Event.id)



class BundleImport(Base):
    """A USB bundle taken in by `slate server import-bundle`, recorded at its first import (a
    repeat changes nothing); counted by /metrics."""

    __tablename__ = "bundle_imports"

    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(BigInteger)
    inserted: Mapped[int] = mapped_column(BigInteger)
    acked_through: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LrsForwardMark(Base):
    """How far one source's events have been forwarded to one external LRS: every event of the
    source with seq <= forwarded_through was answered 200/204 by that LRS."""

    __tablename__ = "lrs_forward_marks"

    endpoint: Mapped[str] = mapped_column(String(500), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.source_id"), primary_key=True)
    forwarded_through: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# -- downstream: the change log and what it announces (docs/sync-protocol.md, "Downstream") --

# A 64-bit key on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid and autoincrements.
ChangeId = BigInteger().with_variant(Integer(), "sqlite")


class ChangeLogState(Base):
    """One row (id 1): this database's change-log epoch and the oldest cursor still answered.

    The epoch is made when the log is created; a cursor from another epoch (another server, or
    a database rebuilt from scratch) gets `must_refetch`. So does one below the floor, which
    pruning raises when it drops tombstones a client behind it would never see.
    """

    __tablename__ = "change_log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(36))
    floor_txid: Mapped[int] = mapped_column(BigInteger, default=0)
    floor_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # Raised with the floor; a cursor handed out since then may lie below the floor safely.
    compactions: Mapped[int] = mapped_column(Integer, default=0)


class ChangeRecord(Base):
    """One append-only entry of the downstream change log (sync/server/changes.py).

    Ordered by (txid, id): on PostgreSQL txid is the writing transaction's id and a reader only
    takes rows below the oldest transaction still running, so a row committed late can never
    fall behind a cursor; on SQLite (one writer at a time) txid is 0 and id is commit order.
    """

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_school_id_txid_id", "school_id", "txid", "id"),
        Index("ix_change_log_school_id_kind_key", "school_id", "kind", "key"),
    )

    id: Mapped[int] = mapped_column(ChangeId, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"))
    class_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    op: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CourseVersion(Base):
    """A course package version published to a school (sync/server/courses.py).

    The package file lives in the server's data folder under its sha256; `keys` holds each
    auto-gradable question's grading key, for rescoring answers against this version.
    """

    __tablename__ = "course_versions"

    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    keys: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnswerScore(Base):
    """The server's own grade of one `answered` event (sync/server/rescore.py): the share of the
    question's points the raw response earns under the published version's key. Scores a
    laptop claims are never used."""

    __tablename__ = "answer_scores"
    __table_args__ = (Index("ix_answer_scores_course_id_user_id", "course_id", "user_id"),)

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"))
    user_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(130))
    share: Mapped[float] = mapped_column(Float)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# -- classroom hub (sync/server/hub.py; revision s0004) ------------------------------------------


class HubUpstream(Base):
    """One row (id 1), on a teacher laptop running `slate server --hub`: the district server it
    forwards to, and the hub's own device credentials there (upstream the hub is a client like
    any laptop)."""

    __tablename__ = "hub_upstream"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    device_id: Mapped[str | None] = mapped_column(String(36))
    # Kept as given: the hub must present it upstream (the district stores only its hash).
    token: Mapped[str | None] = mapped_column(String(200))
    school_name: Mapped[str | None] = mapped_column(String(200))
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_forward_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


class HubForwardMark(Base):
    """How far one source's events have reached the district, as the district last answered:
    every event of the source with seq <= forwarded_through is stored upstream."""

    __tablename__ = "hub_forward_marks"

    source_id: Mapped[str] = mapped_column(ForeignKey("sources.source_id"), primary_key=True)
    forwarded_through: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

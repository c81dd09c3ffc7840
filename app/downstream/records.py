"""Applying pages of the server's change log to the store, each in the caller's one transaction.

The laptop keeps the newest record per (kind, key) in `downstream_records` and hands each record
to the applier registered for its kind (a course version queues a download, calibrated item
parameters update questions, ...). Kinds without an applier are kept, not refused, so a newer
server can send things an older laptop does not understand yet.

The caller (sync/pull.py) runs every function here inside ONE `store.write()` together with the
cursor it stores, so a page is applied entirely or not at all: a crash or an applier raising
half-way leaves records, derived rows and cursor exactly as before.

`must_refetch` (the server cannot continue our cursor) is a reload: pages go into
`downstream_staging` (`stage_page`, resumable through `refetch_cursor`), and `finish_refetch`
then replaces the live records with the staged ones in one transaction, applying what changed
and removing what the server no longer has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.downstream.tables import DownstreamRecord, DownstreamStaging
from app.errors import SlateError
from app.identity import get_meta, set_meta

CHANGES_CURSOR = "changes_cursor"
REFETCH_CURSOR = "refetch_cursor"


class DownstreamError(SlateError):
    """A record from the server could not be applied; nothing of its page was kept."""


@dataclass(frozen=True)
class Record:
    position: int
    kind: str
    key: str
    op: str  # "put" or "delete"
    payload: dict[str, Any] | None = None
    class_id: str | None = None
    user_id: str | None = None

    def where(self) -> str:
        return f"change record {self.position} ({self.kind} {self.key!r})"


# applier(session, record): make the store agree with one record (its op included).
Applier = Callable[[Session, Record], None]


@dataclass(frozen=True)
class PullState:
    cursor: str | None
    refetch_cursor: str | None  # not None while a reload is under way ("" at its start)


def pull_state(session: Session) -> PullState:
    return PullState(get_meta(session, CHANGES_CURSOR), get_meta(session, REFETCH_CURSOR))


def apply_page(
    session: Session,
    records: Iterable[Record],
    next_cursor: str,
    appliers: Mapping[str, Applier],
) -> int:
    """Apply a page's records in order and store `next_cursor`; returns how many were applied."""
    count = 0
    for record in records:
        _apply(session, record, appliers)
        count += 1
    set_meta(session, CHANGES_CURSOR, next_cursor)
    return count


def begin_refetch(session: Session) -> None:
    """Start (or restart) a reload from the beginning of the server's log into staging."""
    session.execute(delete(DownstreamStaging))
    set_meta(session, REFETCH_CURSOR, "")


def stage_page(session: Session, records: Iterable[Record], next_cursor: str) -> int:
    count = 0
    for record in records:
        staged = session.get(DownstreamStaging, (record.kind, record.key))
        if record.op == "delete":
            if staged is not None:
                session.delete(staged)
        else:
            if staged is None:
                staged = DownstreamStaging(kind=record.kind, key=record.key)
                session.add(staged)
            staged.class_id, staged.user_id = record.class_id, record.user_id
            staged.payload, staged.position = record.payload, record.position
        count += 1
    session.flush()
    set_meta(session, REFETCH_CURSOR, next_cursor)
    return count


def finish_refetch(session: Session, appliers: Mapping[str, Applier]) -> int:
    """Replace the live records with the staged ones; returns how many changed."""
    cursor = get_meta(session, REFETCH_CURSOR)
    if not cursor:
        raise DownstreamError("no reload from the server is under way to finish")
    staged = {(s.kind, s.key): s for s in session.scalars(select(DownstreamStaging))}
    live = {(r.kind, r.key): r for r in session.scalars(select(DownstreamRecord))}
    changed = 0
    for (kind, key), row in sorted(live.items()):
        if (kind, key) not in staged:
            _apply(session, Record(row.position, kind, key, "delete"), appliers)
            changed += 1
    for (kind, key), new in sorted(staged.items(), key=lambda pair: pair[1].position):
        old = live.get((kind, key))
        if old is None or (old.payload, old.class_id, old.user_id) != (
            new.payload,
            new.class_id,
            new.user_id,
        ):
            record = Record(new.position, kind, key, "put", new.payload, new.class_id, new.user_id)
            _apply(session, record, appliers)
            changed += 1
        elif old is not None:
            old.position = new.position
    session.execute(delete(DownstreamStaging))
    set_meta(session, CHANGES_CURSOR, cursor)
    set_meta(session, REFETCH_CURSOR, None)
    return changed


def records_of(session: Session, kind: str) -> list[Record]:
    rows = session.scalars(
        select(DownstreamRecord).where(DownstreamRecord.kind == kind).order_by(DownstreamRecord.key)
    )
    return [
        Record(r.position, r.kind, r.key, "put", r.payload, r.class_id, r.user_id) for r in rows
    ]


def _apply(session: Session, record: Record, appliers: Mapping[str, Applier]) -> None:
    if record.op not in ("put", "delete"):
        raise DownstreamError(f"{record.where()}: unknown op {record.op!r}")
    row = session.get(DownstreamRecord, (record.kind, record.key))
    if record.op == "delete":
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = DownstreamRecord(kind=record.kind, key=record.key)
            session.add(row)
        row.class_id, row.user_id = record.class_id, record.user_id
        row.payload, row.position = record.payload, record.position
        row.received_at = datetime.now(UTC)
    session.flush()
    applier = appliers.get(record.kind)
    if applier is not None:
        applier(session, record)

"""The laptop's outbox: events not yet acknowledged by the server, and recording acks.

The server owns the "acknowledged up to here" mark; the laptop only stores what it was told, in
its own transaction, and never moves the mark backwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.models import Event, SyncState, User
from app.identity import SOURCE_ID, ensure_source, set_meta


@dataclass(frozen=True)
class OutboxCounts:
    source_id: str
    local_total: int
    pending: int
    acked_through: int
    last_sync_at: datetime | None
    last_error: str | None


def counts(session: Session) -> OutboxCounts:
    source = ensure_source(session)
    state = session.get(SyncState, source)
    acked = state.acked_through if state else 0
    total = session.scalar(select(func.count()).select_from(Event)) or 0
    pending = (
        session.scalar(select(func.count()).where(Event.source_id == source, Event.seq > acked))
        or 0
    )
    return OutboxCounts(
        source,
        int(total),
        int(pending),
        acked,
        state.last_sync_at if state else None,
        state.last_error if state else None,
    )


def pending_batch(session: Session, limit: int) -> tuple[str, list[dict[str, Any]]]:
    """The next `limit` unacknowledged events of the current source, as protocol dicts."""
    source = ensure_source(session)
    state = session.get(SyncState, source)
    acked = state.acked_through if state else 0
    rows = session.execute(
        select(Event, User.display_name)
        .join(User, User.id == Event.user_id)
        .where(Event.source_id == source, Event.seq > acked)
        .order_by(Event.seq)
        .limit(limit)
    ).all()
    return source, [
        {
            "id": e.id,
            "seq": e.seq,
            "user_id": e.user_id,
            "user_name": name,
            "verb": e.verb,
            "object_id": e.object_id,
            "course_id": e.course_id,
            "course_version": e.course_version,
            "result": e.result,
            "context": e.context,
            "occurred_at": e.occurred_at.isoformat(),
            "clock_offset_ms": e.clock_offset_ms,
        }
        for e, name in rows
    ]


def record_ack(
    session: Session, source_id: str, acked_through: int, *, clock_offset_ms: int | None = None
) -> None:
    state = session.get(SyncState, source_id)
    if state is None:
        state = SyncState(source_id=source_id, acked_through=0)
        session.add(state)
    state.acked_through = max(state.acked_through, acked_through)
    state.last_sync_at = datetime.now(UTC)
    state.last_error = None
    if clock_offset_ms is not None:
        state.clock_offset_ms = clock_offset_ms


def record_clock_offset(session: Session, clock_offset_ms: int) -> None:
    state = session.get(SyncState, ensure_source(session))
    if state is not None:
        state.clock_offset_ms = clock_offset_ms


def record_error(session: Session, message: str) -> None:
    state = session.get(SyncState, ensure_source(session))
    if state is not None:
        state.last_error = message[:500]


def local_event_id(session: Session, seq: int) -> str | None:
    source = ensure_source(session)
    return session.scalar(select(Event.id).where(Event.source_id == source, Event.seq == seq))


def max_seq(session: Session) -> int:
    source = ensure_source(session)
    return session.scalar(select(func.max(Event.seq)).where(Event.source_id == source)) or 0


def set_acked_through(session: Session, acked_through: int) -> None:
    """Take the server's mark as it is, also backwards (a server restored from a backup)."""
    state = session.get(SyncState, ensure_source(session))
    if state is not None:
        state.acked_through = min(acked_through, max_seq(session))


def rotate_source(session: Session) -> str:
    """Start a new source epoch for this store and put every event under it.

    Used when this store's history and the server's disagree (the store was restored from a
    backup or copied to another laptop): the old sequence numbers can no longer be trusted, so
    everything is offered again under a fresh source. The server keeps what it already has by
    event id, so nothing is stored twice; the cost is one resend of this store's events.
    """
    old = ensure_source(session)
    new = uuid.uuid4().hex
    session.execute(update(Event).where(Event.source_id == old).values(source_id=new))
    set_meta(session, SOURCE_ID, new)
    session.add(SyncState(source_id=new, acked_through=0))
    session.flush()
    return new

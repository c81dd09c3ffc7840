"""Recording learning events: one immutable row per learner action, in the caller's transaction.

Callers record the event in the SAME transaction as the state change it describes, then the
derived progress is updated from the event itself (app.progress), so progress can always be
rebuilt from events alone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from uuid6 import uuid7

from app.db.models import Event, SyncState
from app.identity import ensure_source


class Verb(enum.StrEnum):
    """ADL xAPI verbs. The last path segment of each IRI is unique and used as a short name."""

    EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
    COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
    PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"
    ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
    ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
    PASSED = "http://adlnet.gov/expapi/verbs/passed"
    FAILED = "http://adlnet.gov/expapi/verbs/failed"
    # No ADL verb says "a teacher graded this answer": Slate's own IRI (docs/sync-protocol.md).
    GRADED = "https://slate.example.org/xapi/verbs/graded"
    # A teacher made a class or enrolled learners (app/accounts/classes.py).
    CLASS_CHANGED = "https://slate.example.org/xapi/verbs/class-changed"

    @property
    def short(self) -> str:
        return self.value.rsplit("/", 1)[-1]


def activity_id(course_id: str, item_id: str | None = None, question_id: str | None = None) -> str:
    parts = [course_id, *(p for p in (item_id, question_id) if p)]
    return "urn:slate:activity:" + ":".join(parts)


@dataclass(frozen=True)
class EventRef:
    id: str
    seq: int


def record_event(
    session: Session,
    *,
    user_id: str,
    verb: Verb,
    course_id: str | None,
    course_version: str | None,
    object_id: str,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append one event and apply it to the derived progress. The caller commits."""
    from app.progress import apply_event

    source_id = ensure_source(session)
    # Gapless per source: safe because every write transaction is BEGIN IMMEDIATE.
    seq = (session.scalar(select(func.max(Event.seq)).where(Event.source_id == source_id)) or 0) + 1
    state = session.get(SyncState, source_id)
    event = Event(
        id=str(uuid7()),
        source_id=source_id,
        seq=seq,
        user_id=user_id,
        verb=verb.value,
        object_id=object_id,
        course_id=course_id,
        course_version=course_version,
        result=result,
        context=context or {},
        occurred_at=occurred_at or datetime.now(UTC),
        clock_offset_ms=state.clock_offset_ms if state else None,
    )
    session.add(event)
    session.flush()
    apply_event(session, event)
    return event

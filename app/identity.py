"""Who this store is: its source id (one epoch of this database) and local settings."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Meta, SyncState

SOURCE_ID = "source_id"
SERVER_URL = "server_url"
DEVICE_ID = "device_id"
DEVICE_TOKEN = "device_token"
SCHOOL_NAME = "school_name"


def get_meta(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str | None) -> None:
    row = session.get(Meta, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def ensure_source(session: Session) -> str:
    """The current source id, made on first open.

    A source names one epoch of this database rather than the laptop, so that a store restored
    from a backup can take a new one and never reuse sequence numbers the server already has.
    """
    source = get_meta(session, SOURCE_ID)
    if source is None:
        source = uuid.uuid4().hex
        set_meta(session, SOURCE_ID, source)
    if session.scalar(select(SyncState).where(SyncState.source_id == source)) is None:
        session.add(SyncState(source_id=source, acked_through=0))
    return source

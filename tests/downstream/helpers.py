"""Helpers for the downstream tests: an enrolled laptop store, and writing to the server's own
change log through the server's functions (as publishing, grading or calibration do)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.store import Store
from app.downstream.records import CHANGES_CURSOR, REFETCH_CURSOR
from app.downstream.tables import DownstreamRecord, DownstreamStaging
from app.identity import get_meta
from sync.client import OutboxPusher
from sync.server.changes import append_change
from sync.server.db import default_database_url, make_engine, make_session_factory
from sync.server.models import School
from tests.support.server_process import ServerProcess


def enroll(store: Store, server: ServerProcess, code: str) -> None:
    with OutboxPusher(store, server.url) as pusher:
        pusher.enroll(code, "test laptop")


@contextmanager
def server_session(server: ServerProcess) -> Iterator[Session]:
    """A session on the (running) server's own database."""
    url = server.database_url or default_database_url(server.data_dir)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def append(server: ServerProcess, school_id: str, records: list[tuple[str, str, Any]]) -> None:
    """Append (kind, key, payload) records in one server transaction; payload None: a delete."""
    with server_session(server) as session:
        for kind, key, payload in records:
            op = "delete" if payload is None else "put"
            append_change(session, school_id=school_id, kind=kind, key=key, payload=payload, op=op)
        session.commit()


def school_ids(server: ServerProcess) -> list[str]:
    with server_session(server) as session:
        return list(session.scalars(select(School.id)))


def local_records(store: Store) -> dict[tuple[str, str], Any]:
    with store.read() as session:
        return {(r.kind, r.key): r.payload for r in session.scalars(select(DownstreamRecord))}


def staged_count(store: Store) -> int:
    with store.read() as session:
        return len(list(session.scalars(select(DownstreamStaging))))


def cursors(store: Store) -> tuple[str | None, str | None]:
    with store.read() as session:
        return get_meta(session, CHANGES_CURSOR), get_meta(session, REFETCH_CURSOR)

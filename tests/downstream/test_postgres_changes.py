"""The change log on PostgreSQL: a record committed after a later one is never skipped, and the
whole downstream path works against a server over PostgreSQL.

Runs where SLATE_TEST_POSTGRES_URL names a PostgreSQL whose user may create databases (`make
test` starts one with packaging/test-postgres.sh).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.store import Store
from sync.pull import ChangePuller
from sync.server import migrate
from sync.server.changes import append_change, read_changes
from sync.server.db import make_engine, make_session_factory
from sync.server.models import Device, School
from tests.downstream.helpers import append, enroll, local_records
from tests.server.test_postgres import ADMIN_URL, postgres_url
from tests.support.server_process import ServerProcess

__all__ = ["postgres_url"]

pytestmark = pytest.mark.skipif(
    not ADMIN_URL, reason="set SLATE_TEST_POSTGRES_URL to run the PostgreSQL change-log tests"
)


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _device(session: Session) -> Device:
    school = School(id=str(uuid.uuid4()), name="Harbour", enrollment_code="ABCDE-FGHJK")
    session.add(school)
    session.flush()  # no relationship tells the ORM to insert the school first
    device = Device(id=str(uuid.uuid4()), school_id=school.id, name="laptop", token_hash="x" * 64)
    session.add(device)
    session.commit()
    return device


def test_a_record_committed_late_is_not_skipped(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as setup:
        device = _device(setup)
    slow, fast, reader = sessions(), sessions(), sessions()
    try:
        # The slow transaction takes the first id but commits after the fast one.
        first = append_change(slow, school_id=device.school_id, kind="note", key="slow")
        second = append_change(fast, school_id=device.school_id, kind="note", key="fast")
        assert first.id < second.id
        fast.commit()
        page = read_changes(reader, device, "", 10)
        reader.rollback()
        # A cursor by id alone would hand out "fast" and move past the slow one's id for ever.
        assert page.records == [] and not page.has_more
        slow.commit()
        page = read_changes(reader, device, page.next_cursor, 10)
        assert [r.key for r in page.records] == ["slow", "fast"]
        reader.rollback()
        assert read_changes(reader, device, page.next_cursor, 10).records == []
    finally:
        for session in (slow, fast, reader):
            session.close()


def test_pull_and_course_download_from_a_postgres_server(
    tmp_path: Path, postgres_url: str, store: Store, demo_dir: Path
) -> None:
    with ServerProcess(tmp_path / "server", database_url=postgres_url) as server:
        school: dict[str, Any] = server.add_school("Harbour School")
        enroll(store, server, school["enrollment_code"])
        append(server, school["school_id"], [("note", f"n{i}", {"i": i}) for i in range(7)])
        server.cli_json("course", "publish", str(demo_dir), "--school", school["enrollment_code"])
        with ChangePuller(store, server.url, page_limit=3) as puller:
            report = puller.pull()
        assert report.applied == 8 and report.pages == 3
        assert report.courses_imported == ["demo.speed-distance-time 1.1.0"]
        assert len(local_records(store)) == 8
        server.cli("changes", "new-epoch")
        with ChangePuller(store, server.url) as puller:
            again = puller.pull()
        assert again.refetched and again.applied == 8 and again.courses_imported == []

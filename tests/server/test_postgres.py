"""The server over PostgreSQL, including two server processes sharing one database.

Runs only where a PostgreSQL is provided: set SLATE_TEST_POSTGRES_URL to a URL whose user may
create databases (e.g. postgresql://postgres@127.0.0.1:5432/postgres). Each test gets a fresh
database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.server.helpers import assert_error, make_event, make_events, new_source_id, push_ok
from tests.server.test_concurrency import _push_until_acked
from tests.support.server_process import ServerProcess

ADMIN_URL = os.environ.get("SLATE_TEST_POSTGRES_URL")

pytestmark = pytest.mark.skipif(
    not ADMIN_URL, reason="set SLATE_TEST_POSTGRES_URL to run the PostgreSQL server tests"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    assert ADMIN_URL
    admin = make_url(ADMIN_URL).set(drivername="postgresql")
    name = f"slate_test_{uuid.uuid4().hex[:12]}"
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_server(tmp_path: Path, postgres_url: str) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path / "server", database_url=postgres_url) as process:
        yield process


def test_push_rules_on_postgres(pg_server: ServerProcess) -> None:
    school = pg_server.add_school("Harbour School")
    token = pg_server.enroll(school["enrollment_code"], "Laptop")
    source = new_source_id()
    one, two, three, four = make_events(range(1, 5))
    with pg_server.client(token) as client:
        assert push_ok(client, source, [one, two, four])["acked_through"] == 2
        again = push_ok(client, source, [one, two, three, four])
        assert (again["acked_through"], again["inserted"], again["duplicates"]) == (4, 2, 2)
        conflict = client.post("/events", json={"source_id": source, "events": [make_event(2)]})
        assert assert_error(conflict, 409, "seq_conflict")["acked_through"] == 4
    pg_server.kill()
    pg_server.start()
    assert pg_server.stats()["events_total"] == 4


def test_two_server_processes_share_one_database(tmp_path: Path, postgres_url: str) -> None:
    with (
        ServerProcess(tmp_path / "a", database_url=postgres_url) as first,
        ServerProcess(tmp_path / "b", database_url=postgres_url) as second,
    ):
        school = first.add_school("Valley School")
        tokens = [first.enroll(school["enrollment_code"], f"Laptop {i}") for i in range(3)]
        sources = {new_source_id(): tokens[i % 3] for i in range(4)}
        batches = {source: make_events(range(1, 81)) for source in sources}
        # Each source is pushed through both processes at once: the row lock must serialize them.
        jobs: list[tuple[ServerProcess, str, str]] = [
            (process, source, token)
            for source, token in sources.items()
            for process in (first, second)
        ]

        def run(job: tuple[ServerProcess, str, str]) -> Any:
            process, source, token = job
            return _push_until_acked(process, token, source, batches[source])

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            assert list(pool.map(run, jobs)) == [80] * len(jobs)
        assert second.stats()["events_total"] == 320

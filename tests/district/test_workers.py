"""District scale: `slate server --workers 3` over PostgreSQL, many sources pushing at once.

Every source is pushed by two threads at once with overlapping batches from random starting
points (a laptop that keeps losing answers), so pushes of one source land on different worker
processes at the same moment: the source row lock must make them take turns. Afterwards every
event is stored once, each source holds seqs 1..n with its mark naming the last event, and no
request met a seq conflict. Needs SLATE_TEST_POSTGRES_URL (see tests/server/test_postgres.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.server.db import make_engine, make_session_factory
from sync.server.models import Event, Source
from tests.server.helpers import make_events, new_source_id
from tests.server.test_concurrency import _push_until_acked
from tests.server.test_postgres import ADMIN_URL
from tests.server.test_postgres import postgres_url as postgres_url
from tests.support.server_process import REPO_ROOT, ServerProcess

WORKERS = 3
DEVICES = 8
SOURCES = 16
EVENTS_PER_SOURCE = 100

needs_postgres = pytest.mark.skipif(
    not ADMIN_URL, reason="set SLATE_TEST_POSTGRES_URL to run the district (PostgreSQL) tests"
)


@pytest.fixture
def district(tmp_path: Path, postgres_url: str) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "server", database_url=postgres_url, extra_args=["--workers", str(WORKERS)]
    )
    with process:
        yield process


def _worker_pids(parent: int) -> set[int]:
    """Live children of the server process that run uvicorn workers (Linux /proc)."""
    children: set[int] = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        children |= {int(pid) for pid in (task / "children").read_text().split()}
    workers = set()
    for pid in children:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except FileNotFoundError:
            continue
        if b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
            workers.add(pid)
    return workers


@needs_postgres
def test_three_workers_store_every_event_once(district: ServerProcess) -> None:
    assert district.process is not None
    assert len(_worker_pids(district.process.pid)) == WORKERS
    code = district.add_school("District Central")["enrollment_code"]
    tokens = [district.enroll(code, f"Laptop {n}") for n in range(DEVICES)]
    owner = {new_source_id(): tokens[n % DEVICES] for n in range(SOURCES)}
    events = {source: make_events(range(1, EVENTS_PER_SOURCE + 1)) for source in owner}
    jobs = [(source, token) for source, token in owner.items() for _ in range(2)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        acked = list(
            pool.map(lambda job: _push_until_acked(district, job[1], job[0], events[job[0]]), jobs)
        )
    assert acked == [EVENTS_PER_SOURCE] * len(jobs)
    assert district.stats()["events_total"] == SOURCES * EVENTS_PER_SOURCE

    assert district.database_url is not None
    engine = make_engine(district.database_url)
    try:
        with make_session_factory(engine)() as session:
            stored: dict[str, dict[int, str]] = {}
            for source_id, seq, event_id in session.execute(
                select(Event.source_id, Event.seq, Event.id)
            ):
                stored.setdefault(source_id, {})[seq] = event_id
            marks = {
                s.source_id: (s.acked_through, s.hwm_event_id)
                for s in session.scalars(select(Source))
            }
    finally:
        engine.dispose()
    for source, sent in events.items():
        assert stored[source] == {e["seq"]: e["id"] for e in sent}, source
        assert marks[source] == (EVENTS_PER_SOURCE, sent[-1]["id"]), source
    # The workers all survived the run (none crashed and was replaced).
    assert district.process is not None
    assert len(_worker_pids(district.process.pid)) == WORKERS


def test_workers_need_postgresql(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "app.cli", "server", "--workers", "3", "--port", "0",
            "--data-dir", str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "--workers 3 needs a PostgreSQL database" in done.stderr, done.stderr
    assert "server.db" in done.stderr, done.stderr


def test_workers_count_is_checked(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "server", "--workers", "0", "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "--workers 0: give a number from 1 to 64" in done.stderr, done.stderr

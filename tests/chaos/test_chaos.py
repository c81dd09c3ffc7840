"""The chaos proof: 10,000 events reach the server exactly once through a hostile network.

Four laptop child processes (`tests/chaos/laptop.py`) record learner actions and push them with
the real client through `ChaosProxy` (delays, replies dropped after the server's commit,
truncated requests, resets, black holes) to the real server process, while the test SIGKILLs
laptops at random moments and restarts them. Afterwards:

* the server holds exactly the laptops' events: the count, the id set, and per source the seqs
  1..n with no gap and the mark at n naming the right event; every stored field as recorded;
* progress recomputed from the server's events alone equals what each laptop derived live;
* PRAGMA integrity_check is ok on every laptop store and on the server's SQLite file.

The seed is printed on failure and can be set with SLATE_CHAOS_SEED. Runs against SQLite, and
against PostgreSQL when SLATE_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import Event as LaptopEvent
from app.db.models import Progress, Role, SyncState, User
from app.db.store import DB_FILENAME, Store
from app.progress import rebuild_progress
from sync.server.db import default_database_url, make_engine, make_session_factory
from sync.server.models import Event as ServerEvent
from sync.server.models import Source
from tests.server.test_postgres import ADMIN_URL
from tests.server.test_postgres import postgres_url as postgres_url
from tests.support.chaos_proxy import ChaosProxy, Fate
from tests.support.server_process import REPO_ROOT, ServerProcess

TOTAL_EVENTS = 10_000
LAPTOPS = 4
KILLS = 14
SEED = int(os.environ.get("SLATE_CHAOS_SEED", "20261203"))
# Far above what the run needs (about a minute on two slow cores); only a hang reaches it.
DEADLINE_S = 170.0

pytestmark = pytest.mark.slow


@dataclass
class Laptop:
    data_dir: Path
    args: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    finished: bool = False
    starts: int = 0
    kills: int = field(default=0)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.chaos.laptop", *self.args],
                cwd=REPO_ROOT,
                stdout=log,
                stderr=log,
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self.kills += 1

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield default_database_url(tmp_path / "server")
        return
    if not ADMIN_URL:
        pytest.skip("set SLATE_TEST_POSTGRES_URL to run the chaos proof on PostgreSQL")
    yield request.getfixturevalue("postgres_url")


def test_ten_thousand_events_arrive_exactly_once_through_chaos(
    tmp_path: Path, database_url: str
) -> None:
    rng = random.Random(SEED)
    with ServerProcess(tmp_path / "server", database_url=database_url) as server:
        code = server.add_school("Chaos Primary")["enrollment_code"]
        with ChaosProxy(server.port, seed=SEED) as proxy:
            laptops = [
                Laptop(
                    tmp_path / f"laptop-{n}",
                    [
                        "--data-dir", str(tmp_path / f"laptop-{n}"),
                        "--server", proxy.url,
                        "--code", code,
                        "--target", str(TOTAL_EVENTS // LAPTOPS),
                        "--seed", str(SEED + n),
                    ],
                    tmp_path / f"laptop-{n}.log",
                )
                for n in range(LAPTOPS)
            ]  # fmt: skip
            _run_with_kills(laptops, rng)
            fates = dict(proxy.fates)
    where = f"seed {SEED}, proxy fates {fates}, kills {[lap.kills for lap in laptops]}"
    # The chaos really happened: every fate was dealt, and every kill was made.
    assert set(fates) == set(Fate), where
    assert sum(lap.kills for lap in laptops) == KILLS, where

    laptop_events, laptop_progress, users = _read_laptops(laptops)
    server_events, sources = _read_server(database_url)

    assert len(server_events) == TOTAL_EVENTS, where
    assert set(server_events) == set(laptop_events), where
    for event_id, mine in laptop_events.items():
        assert _comparable(server_events[event_id]) == mine, (event_id, where)
    by_source: dict[str, list[int]] = {}
    for event in server_events.values():
        by_source.setdefault(event["source_id"], []).append(event["seq"])
    assert set(by_source) == {e["source_id"] for e in laptop_events.values()}, where
    assert len(by_source) == LAPTOPS, f"a laptop rotated its source without cause; {where}"
    for source_id, seqs in by_source.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), (source_id, where)
        acked, hwm = sources[source_id]
        assert acked == len(seqs), (source_id, where)
        assert laptop_events[hwm]["seq"] == acked, (source_id, where)

    assert _recompute_progress(tmp_path / "recompute", users, server_events) == laptop_progress

    for laptop in laptops:
        assert _integrity(laptop.data_dir / DB_FILENAME) == "ok", laptop.data_dir
    if database_url.startswith("sqlite"):
        assert _integrity(tmp_path / "server" / "server.db") == "ok"


def _run_with_kills(laptops: list[Laptop], rng: random.Random) -> None:
    try:
        _drive(laptops, rng)
    finally:
        # A failure must not leave laptops pushing at a server that is gone.
        for laptop in laptops:
            if laptop.process is not None and laptop.process.poll() is None:
                laptop.kill()


def _drive(laptops: list[Laptop], rng: random.Random) -> None:
    for laptop in laptops:
        laptop.start()
    kills_left = KILLS
    deadline = time.monotonic() + DEADLINE_S
    while True:
        for laptop in laptops:
            if laptop.finished or laptop.process is None:
                continue
            code = laptop.process.poll()
            if code == 0:
                laptop.finished = True
            elif code is not None:
                pytest.fail(f"{laptop.data_dir.name} exited with {code}:\n{laptop.log_tail()}")
        running = [lap for lap in laptops if not lap.finished]
        if not running:
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"laptops still pushing after {DEADLINE_S} s (seed {SEED}):\n"
                + "\n".join(lap.log_tail() for lap in running)
            )
        if kills_left:
            time.sleep(rng.uniform(0.2, 3.0))
            victim = rng.choice(running)
            if victim.process is not None and victim.process.poll() is None:
                victim.kill()
                kills_left -= 1
                victim.start()
        else:
            time.sleep(0.1)


def _comparable(event: dict[str, Any]) -> dict[str, Any]:
    keys = ("source_id", "seq", "user_id", "verb", "object_id", "course_id", "course_version")
    return {key: event[key] for key in (*keys, "result", "context")}


def _read_laptops(
    laptops: list[Laptop],
) -> tuple[dict[str, dict[str, Any]], set[tuple[Any, ...]], dict[str, str]]:
    events: dict[str, dict[str, Any]] = {}
    progress: set[tuple[Any, ...]] = set()
    users: dict[str, str] = {}
    for laptop in laptops:
        store = Store.open(laptop.data_dir)
        try:
            with store.read() as session:
                for e in session.scalars(select(LaptopEvent)):
                    events[e.id] = {
                        "source_id": e.source_id,
                        "seq": e.seq,
                        "user_id": e.user_id,
                        "verb": e.verb,
                        "object_id": e.object_id,
                        "course_id": e.course_id,
                        "course_version": e.course_version,
                        "result": e.result,
                        "context": e.context,
                    }
                progress |= {_progress_row(p) for p in session.scalars(select(Progress))}
                users |= {u.id: u.display_name for u in session.scalars(select(User))}
                # Everything acknowledged, and acknowledged for the one source it has.
                (state,) = session.scalars(select(SyncState)).all()
                assert state.acked_through == TOTAL_EVENTS // LAPTOPS, laptop.data_dir
        finally:
            store.close()
    return events, progress, users


def _read_server(url: str) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[int, str]]]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            events = {
                e.id: {
                    "source_id": e.source_id,
                    "seq": e.seq,
                    "user_id": e.user_id,
                    "verb": e.verb,
                    "object_id": e.object_id,
                    "course_id": e.course_id,
                    "course_version": e.course_version,
                    "result": e.result,
                    "context": e.context,
                    "occurred_at": e.occurred_at,
                }
                for e in session.scalars(select(ServerEvent))
            }
            sources = {
                s.source_id: (s.acked_through, s.hwm_event_id or "")
                for s in session.scalars(select(Source))
            }
    finally:
        engine.dispose()
    return events, sources


def _recompute_progress(
    data_dir: Path, users: dict[str, str], server_events: dict[str, dict[str, Any]]
) -> set[tuple[Any, ...]]:
    """Progress derived from the server's copy of the events alone, by app.progress's rules."""
    store = Store.open(data_dir)
    try:
        with store.write() as session:
            session.add_all(
                User(id=uid, display_name=name, role=Role.STUDENT) for uid, name in users.items()
            )
            session.flush()  # the users first: the events refer to them
            session.add_all(
                LaptopEvent(id=event_id, **event) for event_id, event in server_events.items()
            )
            session.flush()
            rebuild_progress(session)
        with store.read() as session:
            return {_progress_row(p) for p in session.scalars(select(Progress))}
    finally:
        store.close()


def _progress_row(p: Progress) -> tuple[Any, ...]:
    watched = tuple(tuple(span) for span in p.watched)
    return (
        p.user_id, p.course_id, p.item_id, p.started, p.completed, p.passed,
        p.best_score, p.attempts, watched, p.position_s,
    )  # fmt: skip


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()

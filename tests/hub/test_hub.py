"""Student laptops -> classroom hub -> district, each a real process or store, over loopback.

The hub's upstream goes down while students keep syncing to the hub, and the hub itself is
killed and restarted; when the district is back every event reaches it exactly once, under the
laptop's own source, seq and event id. A student who later syncs straight with the district
(at home) starts a new source there, and still nothing is stored twice.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import Event as LaptopEvent
from app.db.store import Store
from app.events import Verb, activity_id, record_event
from app.profiles import create_profile
from sync.client import OutboxPusher
from sync.server.db import default_database_url, make_engine, make_session_factory
from sync.server.models import Device, Source
from sync.server.models import Event as ServerEvent
from tests.support.server_process import REPO_ROOT, ServerProcess

pytestmark = pytest.mark.slow

WAIT_S = 90.0  # a generous bound for a hang; the forwarder runs every 0.3 s here


@pytest.fixture
def district(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path / "district") as process:
        yield process


def hub_process(tmp_path: Path, district: ServerProcess, code: str) -> ServerProcess:
    return ServerProcess(
        tmp_path / "hub",
        extra_args=[
            "--hub", "--upstream", district.url, "--enroll-code", code,
            "--forward-interval", "0.3", "--no-advertise",
        ],
    )  # fmt: skip


def learn(store: Store, user: str, count: int) -> None:
    with store.write() as session:
        for n in range(count):
            record_event(
                session,
                user_id=user,
                verb=Verb.PROGRESSED if n % 2 else Verb.COMPLETED,
                course_id="fractions",
                course_version="1",
                object_id=activity_id("fractions", f"item-{n % 5}"),
                result={"watched": [[n, n + 1.0]], "position_s": n + 1.0, "duration_s": 600},
            )


def laptop_events(store: Store) -> dict[str, tuple[str, int, str, str]]:
    with store.read() as session:
        return {
            e.id: (e.source_id, e.seq, e.user_id, e.object_id)
            for e in session.scalars(select(LaptopEvent))
        }


def district_events(district: ServerProcess) -> dict[str, tuple[str, int, str, str]]:
    engine = make_engine(default_database_url(district.data_dir))
    try:
        with make_session_factory(engine)() as session:
            return {
                e.id: (e.source_id, e.seq, e.user_id, e.object_id)
                for e in session.scalars(select(ServerEvent))
            }
    finally:
        engine.dispose()


def wait_for_events(district: ServerProcess, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while (have := len(district_events(district))) < count:
        assert time.monotonic() < deadline, f"the district has {have} of {count} events"
        time.sleep(0.3)


def sync(store: Store, url: str, code: str) -> Any:
    with OutboxPusher(store, url) as pusher:
        if not pusher.is_enrolled():
            pusher.enroll(code, "student laptop")
        return pusher.push()


def test_every_event_reaches_the_district_exactly_once_through_the_hub(
    tmp_path: Path, district: ServerProcess
) -> None:
    code = district.add_school("Hillside School")["enrollment_code"]
    stores = [Store.open(tmp_path / f"laptop-{n}") for n in range(3)]
    try:
        users = []
        for n, store in enumerate(stores):
            with store.write() as session:
                users.append(create_profile(session, f"Student {n}").id)
        with hub_process(tmp_path, district, code) as hub:
            for store, user in zip(stores, users, strict=True):
                learn(store, user, 120)
                assert sync(store, hub.url, code).pending == 0  # the same code as the district's
            wait_for_events(district, 360)

            district.stop()  # the hub's upstream goes down; the classroom goes on
            for store, user in zip(stores, users, strict=True):
                learn(store, user, 200)
                assert sync(store, hub.url, code).pending == 0
            hub.kill()  # the teacher's laptop crashes too
            hub.start()
            learn(stores[0], users[0], 50)
            assert sync(stores[0], hub.url, code).pending == 0
            district.start()
            wait_for_events(district, 3 * 320 + 50)
            hub_stats = hub.stats()

        mine: dict[str, tuple[str, int, str, str]] = {}
        for store in stores:
            mine |= laptop_events(store)
        upstream = district_events(district)
        assert hub_stats["events_total"] == len(mine) == 1010
        assert upstream == mine  # same ids, under the laptops' own source and seq
        per_source: dict[str, list[int]] = {}
        for source_id, seq, _user, _object in upstream.values():
            per_source.setdefault(source_id, []).append(seq)
        for seqs in per_source.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))

        engine = make_engine(default_database_url(district.data_dir))
        try:
            with make_session_factory(engine)() as session:
                owners = set(session.scalars(select(Source.device_id)))
                (hub_device,) = owners  # upstream, the hub is the one sender of them all
                assert "Classroom hub" in session.get(Device, hub_device).name  # type: ignore[union-attr]
        finally:
            engine.dispose()

        # At home a student syncs with the district itself: the source the hub forwarded is
        # the hub's there, so the laptop moves to a new source and only new events are added.
        learn(stores[1], users[1], 10)
        report = sync(stores[1], district.url, code)
        assert report.pending == 0
        after = district_events(district)
        assert len(after) == 1020
        assert set(after) == set(mine) | set(laptop_events(stores[1]))
    finally:
        for store in stores:
            store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hub"], "--hub needs --upstream URL (the district server) and --enroll-code CODE"),
        (["--upstream", "district:8765"], "--upstream and --enroll-code go with --hub"),
        (
            ["--hub", "--upstream", "ftp://district", "--enroll-code", "ABCDE-FGHJK"],
            "--upstream 'ftp://district' is not a server address",
        ),
    ],
)
def test_hub_options_are_checked(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "server", *args, "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr, done.stderr

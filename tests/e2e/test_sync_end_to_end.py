"""A laptop store syncing with the real server process over loopback.

Exactly once: every event the laptop recorded is on the server once, whatever happens in
between (server down, server killed, the same batch sent again).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app import outbox
from app.db.models import Event
from app.db.store import Store
from sync.client import OutboxPusher, SyncError
from tests.support.learning import learn, local_ids
from tests.support.server_process import ServerProcess


def server_events(server: ServerProcess) -> int:
    return int(server.stats()["events_total"])


def test_events_arrive_exactly_once(
    demo_store: Store, learner: str, server: ServerProcess, school: dict[str, Any]
) -> None:
    learn(demo_store, learner, 30)
    with OutboxPusher(demo_store, server.url, batch_size=7) as pusher:
        pusher.enroll(school["enrollment_code"], "lab-laptop-1")
        report = pusher.push()
        assert report.pending == 0
        assert report.pushed == report.local_total == len(local_ids(demo_store))
        again = pusher.push()
    assert again.pushed == 0 and again.pending == 0
    assert server_events(server) == report.local_total


def test_backlog_goes_up_after_an_outage(
    demo_store: Store, learner: str, server: ServerProcess, school: dict[str, Any]
) -> None:
    with OutboxPusher(demo_store, server.url) as pusher:
        pusher.enroll(school["enrollment_code"])
        learn(demo_store, learner, 5)
        first = pusher.push()
        server.stop()
        learn(demo_store, learner, 12)  # learning goes on while the server is down
        with pytest.raises(SyncError) as info:
            pusher.push()
        assert info.value.offline
        with demo_store.read() as s:
            assert outbox.counts(s).pending > 0
        server.start()
        second = pusher.push()
    assert second.pending == 0
    assert first.pushed + second.pushed == second.local_total
    assert server_events(server) == second.local_total


def test_server_killed_and_restarted_loses_nothing(
    demo_store: Store, learner: str, server: ServerProcess, school: dict[str, Any]
) -> None:
    with OutboxPusher(demo_store, server.url, batch_size=5) as pusher:
        pusher.enroll(school["enrollment_code"])
        learn(demo_store, learner, 10)
        pusher.push()
        server.kill()
        learn(demo_store, learner, 10)
        server.start()
        final = pusher.push()
    assert final.pending == 0
    assert server_events(server) == final.local_total


def test_the_same_batch_twice_changes_nothing(
    demo_store: Store, learner: str, server: ServerProcess, school: dict[str, Any]
) -> None:
    learn(demo_store, learner, 4)
    with OutboxPusher(demo_store, server.url) as pusher:
        enrolled = pusher.enroll(school["enrollment_code"])
    with demo_store.read() as s:
        source, batch = outbox.pending_batch(s, 100)
    body = gzip.compress(json.dumps({"source_id": source, "events": batch}).encode())
    headers = {
        "Authorization": f"Bearer {enrolled.token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    answers = [
        httpx.post(f"{server.url}/api/v1/events", content=body, headers=headers).json()
        for _ in range(3)
    ]
    assert [a["acked_through"] for a in answers] == [len(batch)] * 3
    assert [a["inserted"] for a in answers] == [len(batch), 0, 0]
    assert server_events(server) == len(batch)


def test_server_restored_from_an_older_backup_gets_the_events_again(
    demo_store: Store, learner: str, tmp_path: Path, school: dict[str, Any], server: ServerProcess
) -> None:
    """The server's mark is the truth: if it went back in time, the laptop resends from there."""
    import sqlite3

    with OutboxPusher(demo_store, server.url) as pusher:
        pusher.enroll(school["enrollment_code"])
        learn(demo_store, learner, 3)
        pusher.push()
        backup = tmp_path / "server-backup.db"
        with sqlite3.connect(server.data_dir / "server.db") as src, sqlite3.connect(backup) as dst:
            src.backup(dst)
        learn(demo_store, learner, 3)
        pusher.push()
        server.stop()
        with sqlite3.connect(backup) as src, sqlite3.connect(server.data_dir / "server.db") as dst:
            src.backup(dst)
        server.start()
        final = pusher.push()
    assert final.pending == 0
    assert server_events(server) == final.local_total


def test_bad_enrollment_code_is_refused_clearly(demo_store: Store, server: ServerProcess) -> None:
    with (
        OutboxPusher(demo_store, server.url) as pusher,
        pytest.raises(SyncError, match="not accepted"),
    ):
        pusher.enroll("WRONG-CODE1")


def slate(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sync_command_prints_its_figures(
    tmp_path: Path, demo_dir: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    data = tmp_path / "laptop"
    assert slate("course", "import", str(demo_dir), data_dir=data).returncode == 0
    store = Store.open(data)
    with store.write() as s:
        from app.profiles import create_profile

        learner = create_profile(s, "Juma").id
    learn(store, learner, 3)
    with store.read() as s:
        expected = s.scalar(select(func.count()).select_from(Event))
    store.close()
    done = slate(
        "sync", "--server", server.url, "--enroll-code", school["enrollment_code"], data_dir=data
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["pushed"] == report["local_total"] == expected and report["pending"] == 0
    again = json.loads(slate("sync", data_dir=data).stdout)  # the saved server and token
    assert again["pushed"] == 0 and again["local_total"] == expected
    server.stop()
    offline = slate("sync", data_dir=data)
    assert offline.returncode == 3
    assert json.loads(offline.stdout)["offline"] is True


@pytest.mark.slow
def test_self_test_against_a_running_server(
    tmp_path: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "self-test",
            "--json",
            "--server",
            server.url,
            "--enroll-code",
            school["enrollment_code"],
            "--data-dir",
            str(tmp_path / "laptop"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"], json.dumps(report, indent=2)
    names = [s["name"] for s in report["steps"]]
    assert names == [
        "import_demo_course",
        "choose_profile",
        "open_course",
        "read_lesson",
        "watch_video",
        "take_quiz",
        "check_progress",
        "sync",
    ]
    assert server_events(server) == int(report["steps"][-1]["detail"].split()[0])


def test_a_copied_store_starts_a_new_source_and_loses_nothing(
    demo_store: Store, learner: str, tmp_path: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    """Two laptops from one store image (or one restored from backup) reuse the same seqs for
    different events. The second to sync must notice, start a new source and lose nothing."""
    from app.db.store import backup_sqlite

    with OutboxPusher(demo_store, server.url) as pusher:
        pusher.enroll(school["enrollment_code"])
        learn(demo_store, learner, 3)
        pusher.push()
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    backup_sqlite(demo_store.db_path, copy_dir / "slate.db")
    copy = Store.open(copy_dir)
    try:
        learn(demo_store, learner, 4)  # same seqs, different events on each laptop
        learn(copy, learner, 2)
        with OutboxPusher(demo_store, server.url) as pusher:
            assert pusher.push().pending == 0
        with OutboxPusher(copy, server.url) as pusher:
            report = pusher.push()
        assert report.pending == 0
        with demo_store.read() as s, copy.read() as c:
            source_a = outbox.counts(s).source_id
            source_b = outbox.counts(c).source_id
        assert source_a != source_b
        everything = local_ids(demo_store) | local_ids(copy)
        assert server_events(server) == len(everything)
    finally:
        copy.close()

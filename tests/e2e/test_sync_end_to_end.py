"""A laptop store syncing with the real server process over loopback.

Exactly once: every event the laptop recorded is on the server once, whatever happens in
between (server down, server killed, the same batch sent again).
"""

from __future__ import annotations

import gzip
import json
import os
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
from tests.support.server_process import REPO_ROOT, ServerProcess


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


def _deployed_slate(
    *args: str, data_dir: Path, config_home: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """`slate ... --data-dir` with the user config dir at `config_home` (an empty system dir
    beside it, no SLATE_* variables but `env`), as a laptop that IT preconfigured."""
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    environ.update(
        XDG_CONFIG_HOME=str(config_home), XDG_CONFIG_DIRS=str(config_home.parent / "etc"), **env
    )
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
    )


def _laptop_with_events(data: Path, demo_dir: Path, config_home: Path, events: int = 3) -> int:
    """A store with learning to push and no server saved; returns its event count."""
    from app.identity import DEVICE_TOKEN, SERVER_URL, get_meta
    from app.profiles import create_profile

    imported = _deployed_slate(
        "course", "import", str(demo_dir), data_dir=data, config_home=config_home
    )
    assert imported.returncode == 0, imported.stderr
    store = Store.open(data)
    try:
        with store.write() as s:
            learner = create_profile(s, "Amina").id
        learn(store, learner, events)
        with store.read() as s:
            assert get_meta(s, SERVER_URL) is None and get_meta(s, DEVICE_TOKEN) is None
            return int(s.scalar(select(func.count()).select_from(Event)) or 0)
    finally:
        store.close()


def _saved(data: Path) -> tuple[str | None, str | None]:
    from app.identity import DEVICE_TOKEN, SERVER_URL, get_meta

    store = Store.open(data)
    try:
        with store.read() as s:
            return get_meta(s, SERVER_URL), get_meta(s, DEVICE_TOKEN)
    finally:
        store.close()


def test_sync_command_enrolls_and_pushes_with_the_server_from_slate_toml(
    tmp_path: Path, demo_dir: Path, server: ServerProcess
) -> None:
    school = server.add_school("Hillside Secondary")
    home = tmp_path / "home"
    (home / "slate").mkdir(parents=True)
    (home / "slate" / "slate.toml").write_text(
        f'server_url = "{server.url}/"\nenrollment_code = "{school["enrollment_code"]}"\n',
        encoding="utf-8",
    )
    data = tmp_path / "laptop"
    expected = _laptop_with_events(data, demo_dir, home)

    done = _deployed_slate("sync", data_dir=data, config_home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True and report["server"] == server.url
    assert report["pushed"] == report["local_total"] == expected and report["pending"] == 0
    assert server_events(server) == expected
    url, token = _saved(data)
    assert url == server.url and token  # enrolled by itself, as the app's first start does

    again = _deployed_slate("sync", data_dir=data, config_home=home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["pushed"] == 0  # the saved token, no second enrollment
    assert _saved(data)[1] == token


def test_sync_command_takes_the_server_from_environment_overrides(
    tmp_path: Path, demo_dir: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    home = tmp_path / "home"  # no slate.toml at all
    data = tmp_path / "laptop"
    expected = _laptop_with_events(data, demo_dir, home, events=2)
    done = _deployed_slate(
        "sync",
        data_dir=data,
        config_home=home,
        SLATE_SERVER_URL=server.url,
        SLATE_ENROLLMENT_CODE=school["enrollment_code"],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["pushed"] == report["local_total"] == expected and report["pending"] == 0
    assert server_events(server) == expected


def test_sync_command_line_beats_slate_toml_which_beats_the_saved_server(
    tmp_path: Path, demo_dir: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    """The app's order (ui/launch.py): command line, then the deployment file, then the store's
    saved server; the file's enrollment code enrolls only while not enrolled there."""
    other = ServerProcess(tmp_path / "other-server")
    other.start()
    try:
        other_school = other.add_school("Lakeside Primary")
        home = tmp_path / "home"
        (home / "slate").mkdir(parents=True)
        toml = home / "slate" / "slate.toml"
        toml.write_text(
            f'server_url = "{server.url}"\nenrollment_code = "{school["enrollment_code"]}"\n',
            encoding="utf-8",
        )
        data = tmp_path / "laptop"
        expected = _laptop_with_events(data, demo_dir, home)

        # The command line wins over slate.toml (and its code is the one used).
        by_hand = _deployed_slate(
            "sync",
            "--server",
            other.url,
            "--enroll-code",
            other_school["enrollment_code"],
            data_dir=data,
            config_home=home,
        )
        assert by_hand.returncode == 0, by_hand.stdout + by_hand.stderr
        assert json.loads(by_hand.stdout)["server"] == other.url
        assert server_events(other) == expected and server_events(server) == 0
        assert _saved(data)[0] == other.url

        # Without --server, slate.toml's server wins over the saved one; its code enrolls there.
        by_file = _deployed_slate("sync", data_dir=data, config_home=home)
        assert by_file.returncode == 0, by_file.stdout + by_file.stderr
        report = json.loads(by_file.stdout)
        assert report["server"] == server.url and report["pending"] == 0
        assert server_events(server) == expected
        assert _saved(data)[0] == server.url

        # With no server in slate.toml, the saved one is used.
        toml.write_text('school_code = "RIV-01"\n', encoding="utf-8")
        saved = _deployed_slate("sync", data_dir=data, config_home=home)
        assert saved.returncode == 0, saved.stdout + saved.stderr
        assert json.loads(saved.stdout)["server"] == server.url
    finally:
        other.stop()


def test_sync_command_with_no_server_anywhere_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _deployed_slate("sync", data_dir=tmp_path / "laptop", config_home=home)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["ok"] is False and "No server is set" in report["error"]


@pytest.mark.slow
def test_self_test_on_a_store_given_as_a_relative_folder(tmp_path: Path) -> None:
    # `--data-dir store` from the folder it is in: lesson images and media reach Qt as file
    # URLs, which a relative path used to break (lesson reader empty, quiz not shown).
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", "store", "self-test", "--json"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0 and report["ok"], json.dumps(report, indent=2)
    assert (tmp_path / "store" / "slate.db").exists()

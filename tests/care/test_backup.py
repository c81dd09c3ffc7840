"""Daily backups with the online backup API, and restoring one (library and CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.backup import (
    BackupError,
    backup_if_due,
    find_backup,
    integrity_check,
    list_backups,
    restore,
    take_backup,
)
from app.db.store import Store, StoreLockedError
from app.identity import SOURCE_ID, get_meta
from app.profiles import list_profiles
from tests.care.helpers import add_learner_with_answers, event_keys

REPO = Path(__file__).resolve().parents[2]
DAY0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def names(store: Store) -> set[str]:
    with store.read() as session:
        return {p.display_name for p in list_profiles(session)}


def source_of(store: Store) -> str | None:
    with store.read() as session:
        return get_meta(session, SOURCE_ID)


def test_the_daily_backup_is_taken_once_a_day_and_only_the_newest_are_kept(
    store: Store, tmp_path: Path
) -> None:
    add_learner_with_answers(store, "Amina", ["4 km"])
    data_dir = store.data_dir
    # Taken while the store is open and locked by this process: the online backup API.
    first = backup_if_due(data_dir, keep=2, now=DAY0)
    assert first is not None and first.kind == "daily"
    assert integrity_check(first.path) == "ok"
    assert backup_if_due(data_dir, keep=2, now=DAY0 + timedelta(hours=23)) is None
    manual = take_backup(data_dir, "manual", now=DAY0 + timedelta(hours=1))
    for day in (1, 2, 3):
        assert backup_if_due(data_dir, keep=2, now=DAY0 + timedelta(days=day)) is not None
    daily = [b.taken_at for b in list_backups(data_dir) if b.kind == "daily"]
    assert daily == [DAY0 + timedelta(days=3), DAY0 + timedelta(days=2)]
    assert manual.path.exists()  # only daily backups are pruned
    assert not list((data_dir / "backups").glob("*.part"))

    # A backup is a whole store: opened on its own, it has the learner.
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "slate.db").write_bytes(list_backups(data_dir)[0].path.read_bytes())
    opened = Store.open(copy)
    try:
        assert names(opened) == {"Amina"}
    finally:
        opened.close()


def test_restore_brings_the_backup_back_saves_the_current_data_and_rotates_the_source(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, "Amina", ["4 km", "12 m/s"])
    backup = take_backup(data_dir, "manual")
    add_learner_with_answers(store, "Baraka", ["30 km/h"])
    before = event_keys(store)
    old_source = source_of(store)
    store.close()

    steps: list[str] = []
    result = restore(data_dir, backup, lambda _d, _t, what: steps.append(what))
    assert steps[0].startswith("checking") and steps[-1] == "restored"
    assert result.previous_saved_as.exists()
    assert integrity_check(result.previous_saved_as) == "ok"

    store = Store.open(data_dir)
    try:
        assert names(store) == {"Amina"}
        assert source_of(store) == result.new_source_id != old_source
        # Every restored event moved to the new source; new events continue under it, so no
        # (source, seq) the server may have seen is handed out again.
        add_learner_with_answers(store, "Chausiku", ["8 s"])
        after = event_keys(store)
        assert {source for source, _ in after} == {result.new_source_id}
        assert after.isdisjoint(before)
        assert integrity_check(store.db_path) == "ok"
    finally:
        store.close()

    # The data that was replaced is itself a backup: restoring it undoes the restore.
    undo = find_backup(data_dir, result.previous_saved_as.name)
    restore(data_dir, undo)
    store = Store.open(data_dir)
    try:
        assert names(store) == {"Amina", "Baraka"}
    finally:
        store.close()


def test_restore_is_refused_while_slate_has_the_store_open(store: Store) -> None:
    add_learner_with_answers(store, "Amina", [])
    backup = take_backup(store.data_dir, "manual")
    add_learner_with_answers(store, "Baraka", [])
    with pytest.raises(StoreLockedError, match="Another Slate is already using the store"):
        restore(store.data_dir, backup)
    assert names(store) == {"Amina", "Baraka"}
    assert [b.kind for b in list_backups(store.data_dir)] == ["manual"]


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, "Amina", ["4 km"])
    backup = take_backup(data_dir, "manual")
    store.close()
    raw = bytearray(backup.path.read_bytes())
    page = int.from_bytes(raw[16:18], "big")
    for start in range(page, len(raw), page):  # scribble over every page header but the first
        raw[start : start + 64] = os.urandom(64)
    backup.path.write_bytes(bytes(raw))
    before = (data_dir / "slate.db").read_bytes()
    with pytest.raises(BackupError, match="damaged") as caught:
        restore(data_dir, backup)
    assert str(backup.path) in str(caught.value)
    assert (data_dir / "slate.db").read_bytes() == before
    assert [b.kind for b in list_backups(data_dir)] == ["manual"]


def slate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_cli_lists_takes_and_restores_backups(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    assert slate("profile", "add", "Amina", "--data-dir", str(data_dir)).returncode == 0
    made = json.loads(slate("db", "backup", "--json", "--data-dir", str(data_dir)).stdout)
    assert slate("profile", "add", "Baraka", "--data-dir", str(data_dir)).returncode == 0
    listed = json.loads(slate("db", "backups", "--json", "--data-dir", str(data_dir)).stdout)
    assert [b["name"] for b in listed] == [made["name"]]
    assert listed[0]["kind"] == "manual" and listed[0]["size_bytes"] > 0

    missing = slate("db", "restore", "nope.db", "--data-dir", str(data_dir))
    assert missing.returncode == 1
    assert "no backup called 'nope.db'" in missing.stderr

    done = slate("db", "restore", made["name"], "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    profiles = slate("profile", "list", "--json", "--data-dir", str(data_dir))
    assert [p["name"] for p in json.loads(profiles.stdout)] == ["Amina"]


def test_the_cli_refuses_to_restore_while_the_app_is_open(store: Store) -> None:
    take_backup(store.data_dir, "manual")
    done = slate("db", "restore", "--data-dir", str(store.data_dir))
    assert done.returncode == 1
    assert "Another Slate is already using the store" in done.stderr

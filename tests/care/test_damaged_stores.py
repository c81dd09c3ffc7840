"""Damaged database files get one clear line naming them, never a traceback or a silently new
store: a laptop's store emptied to 0 bytes beside its backups, a file that is not a database,
a server database overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backup import take_backup
from app.db.store import Store, StoreError
from app.profiles import create_profile, list_profiles
from tests.care.test_backup import slate


def make_store(data_dir: Path, *names: str) -> None:
    store = Store.open(data_dir)
    try:
        with store.write() as session:
            for name in names:
                create_profile(session, name)
    finally:
        store.close()


def test_a_store_emptied_beside_its_backups_is_refused_and_restorable(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    make_store(data_dir, "Amina")
    backup = take_backup(data_dir, "manual")
    (data_dir / "slate.db").write_bytes(b"")

    with pytest.raises(StoreError, match="empty \\(0 bytes\\)") as caught:
        Store.open(data_dir)
    assert str(data_dir / "slate.db") in str(caught.value)
    assert backup.path.name in str(caught.value)
    assert (data_dir / "slate.db").stat().st_size == 0  # not quietly made a new store

    listed = slate("profile", "list", "--data-dir", str(data_dir))
    assert listed.returncode == 1 and "slate db restore" in listed.stderr
    assert "Traceback" not in listed.stderr
    checked = slate("db", "check", "--data-dir", str(data_dir))
    assert checked.returncode == 1 and "empty (0 bytes)" in checked.stderr

    assert slate("db", "restore", "--data-dir", str(data_dir)).returncode == 0
    store = Store.open(data_dir)
    try:
        with store.read() as session:
            assert [p.display_name for p in list_profiles(session)] == ["Amina"]
    finally:
        store.close()


def test_an_empty_file_with_no_backups_is_still_a_new_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    data_dir.mkdir()
    (data_dir / "slate.db").write_bytes(b"")
    Store.open(data_dir).close()
    assert (data_dir / "slate.db").stat().st_size > 0


def test_db_check_names_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    make_store(data_dir, "Amina")
    (data_dir / "slate.db").write_bytes(b"not a database " * 300)
    done = slate("db", "check", "--data-dir", str(data_dir))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{data_dir / 'slate.db'} is damaged" in done.stderr
    assert "slate db restore" in done.stderr


def test_server_commands_name_a_damaged_server_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    assert (
        slate("server", "school", "add", "Hill School", "--data-dir", str(data_dir)).returncode == 0
    )
    db = data_dir / "server.db"
    db.write_bytes(b"\x00garbage" * 1000)
    for command in (["server", "school", "list"], ["server", "stats", "--json"]):
        done = slate(*command, "--data-dir", str(data_dir))
        assert done.returncode == 1, done
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().count("\n") == 0, done.stderr  # one line
        assert "is damaged" in done.stderr and str(data_dir) in done.stderr

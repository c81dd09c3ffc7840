"""A laptop that learns offline and carries its events to the real server on a USB stick."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.db.store import DB_FILENAME, Store
from tests.support.server_process import REPO_ROOT, ServerProcess


def server_event_ids(server: ServerProcess) -> list[str]:
    """Every event id in the server's database, read from the file (duplicates would show)."""
    with sqlite3.connect(server.data_dir / "server.db") as db:
        return [row[0] for row in db.execute("SELECT id FROM events")]


def import_bundle(server: ServerProcess, *paths: Path, check: bool = True) -> Any:
    """`slate server import-bundle PATHS --json` on the server's database: one dict per bundle."""
    done = server.cli("import-bundle", *map(str, paths), "--json", check=check)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return results if not check else (results[0] if len(results) == 1 else results)


def import_bundle_fails(server: ServerProcess, path: Path) -> str:
    done = server.cli("import-bundle", str(path), check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stderr


def copy_store(store: Store, to: Path) -> Path:
    """A byte-for-byte copy of a store made with SQLite's backup API, as a restore would leave
    it: same source id, same credentials."""
    to.mkdir(parents=True)
    with (
        sqlite3.connect(store.data_dir / DB_FILENAME) as src,
        sqlite3.connect(to / DB_FILENAME) as dst,
    ):
        src.backup(dst)
    return to


def slate(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The laptop's `slate` command, as a student's IT would run it."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args, "--data-dir", str(data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

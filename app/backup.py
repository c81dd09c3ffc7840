"""Backups of the laptop store and restoring one.

Backups are made with SQLite's online backup API (`app.db.store.backup_sqlite`), never by copying
a live file, into `<data dir>/backups/`:

- `slate-daily-<UTC stamp>.db`: taken at start when the newest is older than a day; only the
  newest `backups_keep` (slate.toml) are kept;
- `slate-before-<revision>-<stamp>.db`: taken before a migration (app/db/migrate.py);
- `slate-before-restore-<stamp>.db`: the store as it was just before a restore;
- `slate-manual-<stamp>.db`: `slate db backup`, kept until IT deletes it.

A restore checks the backup's integrity first, backs up the current store, replaces the store
file while holding the store's lock, and then rotates the outbox's source id: the server has
already seen sequence numbers that the restored store would hand out again.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.db.store import DB_FILENAME, StoreError, backup_sqlite

BACKUPS_DIRNAME = "backups"
DAILY_EVERY = timedelta(days=1)
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(
    r"^slate-(?P<kind>daily|manual|before-restore|before-\w+?)-(?P<stamp>\d{8}T\d{6}Z)"
    r"(?:-(?P<n>\d+))?\.db$"
)

log = logging.getLogger(__name__)

# progress(done, total, what)
Progress = Callable[[int, int, str], None]


class BackupError(StoreError):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # daily | manual | before-restore | before-<revision> (a migration) | file
    taken_at: datetime
    size_bytes: int

    @property
    def name(self) -> str:
        return self.path.name

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(UTC)) - self.taken_at


def backups_dir(data_dir: Path) -> Path:
    return data_dir / BACKUPS_DIRNAME


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """Every backup in the data folder, newest first (half-written `.part` files are not)."""
    folder = backups_dir(data_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or not path.is_file():
            continue
        taken = datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
        found.append(BackupInfo(path, match["kind"], taken, path.stat().st_size))
    return sorted(found, key=lambda b: (b.taken_at, _counter(b.name)), reverse=True)


def _counter(name: str) -> int:
    match = _NAME.match(name)
    return int(match["n"]) if match and match["n"] else 0


def take_backup(data_dir: Path, kind: str = "daily", *, now: datetime | None = None) -> BackupInfo:
    """Copy the store with the online backup API; safe while the app is writing to it."""
    db_path = data_dir / DB_FILENAME
    if not db_path.is_file():
        raise BackupError(f"there is no Slate store in {data_dir} to back up")
    taken = (now or datetime.now(UTC)).replace(microsecond=0)
    stem = f"slate-{kind}-{taken.strftime(_STAMP_FORMAT)}"
    dest = backups_dir(data_dir) / f"{stem}.db"
    counter = 1
    while dest.exists():  # two in one second (a restore undone at once): never overwrite one
        counter += 1
        dest = dest.with_name(f"{stem}-{counter}.db")
    try:
        backup_sqlite(db_path, dest)
        _fsync(dest)
        _fsync(dest.parent)
    except (OSError, sqlite3.Error) as exc:
        log.error("backup to %s failed: %s", dest, exc)
        raise BackupError(f"cannot back up {db_path} to {dest}: {exc}") from None
    log.info("%s backup taken: %s", kind, dest.name)
    return BackupInfo(dest, kind, taken, dest.stat().st_size)


def backup_if_due(
    data_dir: Path, keep: int, *, now: datetime | None = None
) -> BackupInfo | None:
    """The daily backup: taken when the newest daily one is a day old or there is none; then only
    the newest `keep` daily backups are kept. Returns the new backup, or None when not due."""
    now = now or datetime.now(UTC)
    daily = [b for b in list_backups(data_dir) if b.kind == "daily"]
    if daily and now - daily[0].taken_at < DAILY_EVERY:
        return None
    made = take_backup(data_dir, "daily", now=now)
    prune(data_dir, keep)
    return made


def prune(data_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` daily backups; other kinds are left for IT to judge."""
    daily = [b for b in list_backups(data_dir) if b.kind == "daily"]
    removed = []
    for old in daily[max(keep, 1) :]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
        log.info("old daily backup removed: %s", old.name)
    return removed


def integrity_check(path: Path, *, quick: bool = False) -> str:
    """`PRAGMA integrity_check` (or the faster `quick_check`) of a database file, opened
    read-only: "ok" or the first problems found."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute(f"PRAGMA {pragma}").fetchmany(5)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return "; ".join(str(r[0]) for r in rows)


@dataclass(frozen=True)
class StartCheck:
    """What the check at start found: the store's `quick_check` verdict, and the daily backup
    taken (None when none was due, or when the store is damaged)."""

    verdict: str
    backup: BackupInfo | None

    @property
    def damaged(self) -> bool:
        return self.verdict != "ok"


def check_and_back_up(data_dir: Path, keep: int, *, now: datetime | None = None) -> StartCheck:
    """At each start: `quick_check` the store, then take the daily backup if one is due.

    A damaged store is never backed up: its copy would push a good backup out of the kept ones.
    """
    verdict = integrity_check(data_dir / DB_FILENAME, quick=True)
    if verdict != "ok":
        log.error("the store in %s is damaged: %s", data_dir, verdict)
        return StartCheck(verdict, None)
    return StartCheck(verdict, backup_if_due(data_dir, keep, now=now))


def find_backup(data_dir: Path, name: str | None) -> BackupInfo:
    """The backup called `name` (a file name from `slate db backups`, or a path), or the newest."""
    backups = list_backups(data_dir)
    if name is None:
        if not backups:
            raise BackupError(f"there are no backups in {backups_dir(data_dir)}")
        return backups[0]
    for backup in backups:
        if name in (backup.name, str(backup.path)):
            return backup
    path = Path(name).expanduser()
    if path.is_file():
        return BackupInfo(
            path.resolve(), "file", datetime.fromtimestamp(path.stat().st_mtime, UTC),
            path.stat().st_size,
        )
    raise BackupError(
        f"no backup called {name!r} in {backups_dir(data_dir)} (see 'slate db backups')"
    )


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    previous_saved_as: Path
    new_source_id: str


def restore(data_dir: Path, backup: BackupInfo, progress: Progress | None = None) -> RestoreResult:
    """Put `backup` in place of the store in `data_dir`.

    Refuses while another Slate holds the store (StoreLockedError) and when the backup fails its
    integrity check; the current store is backed up first, so a restore can itself be undone.
    """
    # The store's own single-writer lock: a restore is refused while any Slate has it open.
    from app.db.store import Store, _acquire_lock

    report = progress or (lambda _d, _t, _w: None)
    db_path = data_dir / DB_FILENAME
    report(0, 4, f"checking {backup.name}")
    verdict = integrity_check(backup.path)
    if verdict != "ok":
        log.error("restore refused: %s failed its integrity check: %s", backup.path, verdict)
        raise BackupError(f"{backup.path} is damaged ({verdict}): choose another backup")
    lock = _acquire_lock(data_dir)
    try:
        report(1, 4, "backing up the current data")
        previous = _save_current(data_dir)
        report(2, 4, f"restoring {backup.name}")
        staging = data_dir / (DB_FILENAME + ".restoring")
        try:
            backup_sqlite(backup.path, staging)
            _fsync(staging)
            # The old store's write-ahead log must not be replayed onto the restored file; its
            # content is in `previous` (the backup API copies through the log).
            for suffix in ("-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
            staging.replace(db_path)
            _fsync(data_dir)
        except (OSError, sqlite3.Error) as exc:
            staging.unlink(missing_ok=True)
            raise BackupError(f"cannot restore {backup.path} into {data_dir}: {exc}") from None
        report(3, 4, "starting a new sync epoch")
        # We hold the lock, so the store is opened without taking it again; an older backup is
        # migrated here.
        store = Store.open(data_dir, lock=False)
        try:
            from app.outbox import rotate_source

            with store.write() as session:
                source = rotate_source(session)
        finally:
            store.close()
    finally:
        lock.release()
    log.warning(
        "store restored from %s; previous data saved as %s; new source %s",
        backup.path, previous, source,
    )
    report(4, 4, "restored")
    return RestoreResult(backup.path, previous, source)


def _save_current(data_dir: Path) -> Path:
    """Back up the store about to be replaced; a store too damaged to read is moved aside."""
    try:
        return take_backup(data_dir, "before-restore").path
    except BackupError:
        stamp = datetime.now(UTC).strftime(_STAMP_FORMAT)
        aside = backups_dir(data_dir) / f"damaged-{stamp}"
        aside.mkdir(parents=True, exist_ok=True)
        for name in (DB_FILENAME, DB_FILENAME + "-wal", DB_FILENAME + "-shm"):
            if (data_dir / name).exists():
                (data_dir / name).replace(aside / name)
        return aside


def _fsync(path: Path) -> None:
    """Make a written file, or a rename in a folder, durable. (Folders cannot be opened on
    Windows; there, NTFS journals the rename itself.)"""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def newest_backup_age(data_dir: Path, now: datetime | None = None) -> timedelta | None:
    backups = list_backups(data_dir)
    return backups[0].age(now) if backups else None

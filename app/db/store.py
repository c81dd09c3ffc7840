"""Opening a laptop store: the SQLite file, its pragmas, the single-writer lock and migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import SlateError

DB_FILENAME = "slate.db"
LOCK_FILENAME = "slate.lock"


class StoreError(SlateError):
    """A store cannot be opened; the message says why and what to do."""


class StoreLockedError(StoreError):
    pass


class DiskFullError(StoreError):
    """The disk holding the store is full. SQLite rolled the transaction back: what was saved
    before is intact, only this write is lost (issue 7)."""


def _is_disk_full(exc: OperationalError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "database or disk is full" in str(orig)
    )


def disk_full_message(data_dir: Path) -> str:
    import shutil

    try:
        free = f"{shutil.disk_usage(data_dir).free / 1e6:.1f} MB free"
    except OSError:
        free = "free space unknown"
    return (
        f"The disk is full: Slate could not save to {data_dir} ({free}). Everything saved "
        f"before is kept. Free some space on that disk, then try again."
    )


def _refuse_emptied_store(db_path: Path) -> None:
    """A store file cut to 0 bytes beside backups of it is damage, not a new store: opening it
    would quietly make an empty store and hide every learner's work behind it."""
    if not db_path.is_file() or db_path.stat().st_size > 0:
        return
    from app.backup import list_backups

    backups = list_backups(db_path.parent)
    if backups:
        raise StoreError(
            f"{db_path} is empty (0 bytes), but {len(backups)} backup(s) of this store exist, "
            f"the newest {backups[0].path.name}: restore it with 'slate db restore', or move "
            f"the empty file away to start a new store"
        )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so that "begin" below decides.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: an answer the UI has shown as saved survives a power cut (BENCH-NOTES: NORMAL
        # lost the last commits in 60 of 60 simulated cuts).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: no "database is locked" half-way through a
        # transaction, and `max(seq)+1` cannot race with another writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(db_path: Path) -> Engine:
    # Sessions are used from the GUI thread and the sync thread, never one connection at once.
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    _configure_sqlite(engine)
    return engine


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Copy a live database with SQLite's online backup API (never a plain file copy)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(src) as source, sqlite3.connect(tmp) as target:
        source.backup(target)
    tmp.replace(dest)
    return dest


@dataclass
class Store:
    """An open laptop store. Use `write()` for a transaction, `read()` for queries."""

    data_dir: Path
    engine: Engine
    _sessions: sessionmaker[Session] = field(repr=False)
    _lock: Any = field(default=None, repr=False)

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @classmethod
    def open(cls, data_dir: Path, *, lock: bool = True, migrate: bool = True) -> Store:
        """Open (and create or migrate) the store in `data_dir`.

        With `lock`, this process becomes the store's only writer until `close()`; a second
        Slate on the same store gets a StoreLockedError that says so.
        """
        # Absolute from here on: media and lesson paths are handed to Qt as file URLs, which a
        # relative folder (`--data-dir store`) would break.
        data_dir = Path(data_dir).expanduser().absolute()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            file_lock = _acquire_lock(data_dir) if lock else None
        except OSError as exc:
            raise StoreError(_cannot_write(data_dir, exc)) from None
        try:
            db_path = data_dir / DB_FILENAME
            _refuse_emptied_store(db_path)
            if migrate:
                from app.db.migrate import migrate_store

                migrate_store(db_path, backups_dir=data_dir / "backups")
            engine = make_engine(db_path)
            store = cls(data_dir, engine, sessionmaker(engine, expire_on_commit=False), file_lock)
            from app.identity import ensure_source

            with store.write() as session:
                ensure_source(session)
            if file_lock is not None:
                store._clear_abandoned_temp_files()
            return store
        except (OSError, sqlite3.Error, OperationalError) as exc:
            if file_lock is not None:
                file_lock.release()
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot open the store in {data_dir}: {reason}") from None
        except BaseException:
            if file_lock is not None:
                file_lock.release()
            raise

    def _clear_abandoned_temp_files(self) -> None:
        """Remove half-copied media left by an import that was killed. Safe: we hold the lock,
        so no import of ours is running."""
        tmp = self.media_dir / "tmp"
        if tmp.is_dir():
            for leftover in tmp.iterdir():
                leftover.unlink(missing_ok=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            if _is_disk_full(exc):
                raise DiskFullError(disk_full_message(self.data_dir)) from exc
            raise

    # Reads also run inside a transaction so that they see one consistent snapshot.
    read = write

    def session(self) -> Session:
        return self._sessions()

    def quick_check(self) -> str:
        with sqlite3.connect(self.db_path) as conn:
            return str(conn.execute("PRAGMA quick_check").fetchone()[0])

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _cannot_write(data_dir: Path, exc: OSError) -> str:
    return (
        f"Slate cannot write to {data_dir} ({exc.strerror or exc}). Check the folder's "
        f"permissions, or choose another folder with --data-dir."
    )


def _acquire_lock(data_dir: Path) -> Any:
    from filelock import FileLock, Timeout

    lock = FileLock(str(data_dir / LOCK_FILENAME))
    try:
        lock.acquire(timeout=0.2)
    except Timeout:
        raise StoreLockedError(
            f"Another Slate is already using the store in {data_dir}. Close it first "
            f"(or choose another store with --data-dir)."
        ) from None
    return lock

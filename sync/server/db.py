"""Engine and session factory for the server's database (SQLite by default, PostgreSQL at scale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_FILE_NAME = "server.db"
BUSY_TIMEOUT_MS = 5000


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / SQLITE_FILE_NAME}"


def normalize_url(database_url: str | URL) -> URL:
    """Parse a URL, pointing plain PostgreSQL URLs at psycopg 3 (the driver we ship)."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def display_url(database_url: str | URL) -> str:
    return normalize_url(database_url).render_as_string(hide_password=True)


def make_engine(database_url: str | URL) -> Engine:
    url = normalize_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    # pool_pre_ping: a PostgreSQL restart or failover must not surface as a failed push.
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from pysqlite so that _on_begin below decides how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged push must survive a power cut, not just a crash.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that read the source's mark
        # can never fail later with SQLITE_BUSY on upgrade, and writers queue on busy_timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

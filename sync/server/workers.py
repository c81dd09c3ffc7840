"""`slate server --workers N`: several uvicorn worker processes over one PostgreSQL database.

The server keeps no state of its own between requests (every rule lives in the database: the
source row lock `FOR UPDATE` serializes pushes of one source, "on conflict do nothing" keeps an
event once), so a district runs N identical processes sharing one listening socket. The parent
migrates the schema once, binds the socket, announces it, and lets uvicorn's supervisor start,
watch and restart the workers; each worker builds its app from the environment below, because
uvicorn starts workers by import string, not with Python objects.

SQLite is refused: it has one writer at a time, so more processes would only queue on its lock.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

ENV_WORKER_DATABASE_URL = "SLATE_SERVER_WORKER_DATABASE_URL"
ENV_WORKER_DATA_DIR = "SLATE_SERVER_WORKER_DATA_DIR"
MAX_WORKERS = 64


class WorkersError(ValueError):
    """--workers cannot be used as asked; the message says why."""


def check_workers(workers: int, database_url: str) -> None:
    from sync.server.db import display_url, normalize_url

    if not 1 <= workers <= MAX_WORKERS:
        raise WorkersError(f"--workers {workers}: give a number from 1 to {MAX_WORKERS}")
    if workers > 1 and normalize_url(database_url).get_backend_name() != "postgresql":
        raise WorkersError(
            f"--workers {workers} needs a PostgreSQL database (--database-url postgresql://...); "
            f"{display_url(database_url)} is SQLite, which takes one writer at a time, so run "
            "one process"
        )


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this factory in each worker)."""
    from sync.server.app import create_app

    data_dir = os.environ.get(ENV_WORKER_DATA_DIR)
    # The parent has migrated already; N workers racing through Alembic would gain nothing.
    return create_app(
        os.environ[ENV_WORKER_DATABASE_URL],
        run_migrations=False,
        data_dir=Path(data_dir) if data_dir else None,
    )


def serve_workers(
    database_url: str,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    data_dir: Path | None,
    announce: Callable[[str, int], None],
) -> int:
    """Run `workers` server processes on one socket until interrupted; returns the exit code."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from sync.server import migrate
    from sync.server.db import make_engine

    check_workers(workers, database_url)
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    os.environ[ENV_WORKER_DATABASE_URL] = database_url
    if data_dir is not None:
        os.environ[ENV_WORKER_DATA_DIR] = str(data_dir)
    config = uvicorn.Config(
        f"{__name__}:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
    sock = config.bind_socket()
    # Bound and listening: connections made from now on wait in the backlog for a worker.
    announce(str(config.host), int(sock.getsockname()[1]))
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
    return 0

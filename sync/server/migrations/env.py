"""Alembic environment for the server's database.

The server runs migrations itself (`sync.server.migrate.upgrade`) and hands its own connection in
through `config.attributes["connection"]`, already inside a transaction. Run from the `alembic`
command line (for `alembic revision --autogenerate`), it connects to `sqlalchemy.url` instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sync.server.db import make_engine
from sync.server.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url, or pass a connection in config.attributes")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure_and_run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()

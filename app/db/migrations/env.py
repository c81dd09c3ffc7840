"""Alembic environment for the laptop store (run programmatically by app.db.migrate)."""

from typing import Any

from alembic import context
from sqlalchemy import create_engine, event

# Tables whose models live beside their feature (they subclass Base): imported for the metadata.
import app.accounts.tables
import app.downstream.tables
import app.grading.tables  # noqa: F401
from app.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "app.db.migrate sets sqlalchemy.url"
connectable = create_engine(url)


# pysqlite runs DDL outside any transaction unless told otherwise, so a crash or power cut
# between two steps left a half-made schema that no later start could migrate ("table courses
# already exists"; found by tests/chaos). Taking BEGIN from the driver makes the whole upgrade
# one SQLite transaction: all of it or none of it.
@event.listens_for(connectable, "connect")
def _driver_leaves_transactions_to_us(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


@event.listens_for(connectable, "begin")
def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


with connectable.connect() as connection:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()

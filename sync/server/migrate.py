"""Bring the server's database to the newest schema; run at every server start and CLI command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic finds the scripts as package resources, so this works from an installed wheel too.
SCRIPT_LOCATION = "sync.server:migrations"

# Any fixed number shared by every server process: the key of the PostgreSQL advisory lock
# that makes processes starting together migrate one after the other.
_PG_MIGRATION_LOCK_KEY = 0x534C415445  # "SLATE"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    # One transaction for the whole upgrade: on SQLite it begins IMMEDIATE (see db.py), so two
    # processes starting on one file cannot both run the first revision.
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

"""Bringing a store's schema up to date with Alembic, after an online backup copy."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from app.db.store import backup_sqlite

# The newest revision in app/db/migrations/versions. Checking it with one query lets a start
# that has nothing to migrate skip importing Alembic (a test keeps this in step with Alembic).
HEAD_REVISION = "0007"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(db_path: Path) -> str | None:
    if not db_path.exists():
        return None
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if row is None:
            return None
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return rev[0] if rev else None


def alembic_config(db_path: Path):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    return cfg


def migrate_store(db_path: Path, *, backups_dir: Path) -> Path | None:
    """Upgrade to HEAD_REVISION. Returns the backup made first, if the store already existed."""
    rev = current_revision(db_path)
    if rev == HEAD_REVISION:
        return None
    backup = None
    if db_path.exists() and db_path.stat().st_size > 0:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = backup_sqlite(db_path, backups_dir / f"slate-before-{HEAD_REVISION}-{stamp}.db")
    from alembic import command

    command.upgrade(alembic_config(db_path), "head")
    return backup

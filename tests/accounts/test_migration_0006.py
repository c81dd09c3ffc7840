"""Revision 0006 adds the accounts and grading tables to a 0005 store, and takes them away."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from app.accounts.signin import sign_in_with_store
from app.db.migrate import HEAD_REVISION, alembic_config, current_revision
from app.db.store import Store
from app.profiles import create_profile
from tests.accounts.people import make_people

TABLES = {
    "credentials",
    "guardian_links",
    "classes",
    "class_courses",
    "class_members",
    "rubrics",
    "grade_records",
    "answer_grades",
}


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_0005_store_gains_accounts_and_keeps_its_learners(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    with store.write() as s:
        kofi = create_profile(s, "Kofi").id
    store.close()
    db = data_dir / "slate.db"
    command.downgrade(alembic_config(db), "0005")
    assert current_revision(db) == "0005" and not TABLES & tables(db)

    store = Store.open(data_dir)  # migrates to head
    try:
        assert current_revision(db) == HEAD_REVISION
        assert tables(db) >= TABLES
        # A learner from before accounts has no secret and still just picks their name.
        assert sign_in_with_store(store, kofi, None).actor_id == kofi
        make_people(store)
    finally:
        store.close()

"""Small helpers for the care-of-the-data tests: learner activity on a real store."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from app.db.models import Event
from app.db.store import Store
from app.events import Verb, activity_id, record_event
from app.profiles import create_profile


def add_learner_with_answers(store: Store, name: str, answers: list[str]) -> str:
    """A learner who answered free-text questions; returns the learner's id."""
    with store.write() as session:
        user_id = create_profile(session, name).id
    for number, answer in enumerate(answers):
        with store.write() as session:
            record_event(
                session,
                user_id=user_id,
                verb=Verb.ANSWERED,
                course_id="demo.course",
                course_version="1.0.0",
                object_id=activity_id("demo.course", "quiz", f"q{number}"),
                result={"response": answer},
            )
    return user_id


def event_keys(store: Store) -> set[tuple[str, int]]:
    with store.read() as session:
        return {(e.source_id, e.seq) for e in session.scalars(select(Event))}


def scribble_over_pages(db_path: Path, first: int = 2) -> None:
    """Damage a database file the way a failing disk does: random bytes over the start of every
    page from page `first` (1-based) on."""
    raw = bytearray(db_path.read_bytes())
    page = int.from_bytes(raw[16:18], "big")
    for start in range((first - 1) * page, len(raw), page):
        raw[start : start + 64] = os.urandom(64)
    db_path.write_bytes(bytes(raw))

"""Real learner actions on the demo course, for tests that need events to sync."""

from __future__ import annotations

from sqlalchemy import select

from app.db.models import Event
from app.db.store import Store
from app.learning import complete_lesson, record_video_progress

COURSE = "demo.speed-distance-time"


def learn(store: Store, learner: str, rounds: int, *, start: int = 0) -> None:
    """Real learner actions, each writing events (two or more per round)."""
    for i in range(start, start + rounds):
        with store.write() as s:
            record_video_progress(
                s,
                learner,
                COURSE,
                "intro-video",
                watched=[[i * 2.0, i * 2.0 + 2]],
                position_s=i * 2.0 + 2,
                duration_s=78,
            )
            complete_lesson(s, learner, COURSE, "lesson-units")


def local_ids(store: Store) -> set[str]:
    with store.read() as s:
        return set(s.scalars(select(Event.id)))

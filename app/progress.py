"""Progress derived from events, with merge rules that give the same answer in any order.

completed and passed are OR, the best score is MAX, video coverage is the union of watched
intervals; `rebuild_progress` replays every event through `apply_event`, the same function the
live path uses, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.models import Event, Item, ItemKind, Progress
from app.events import Verb

# A video counts as watched when this share of it was actually played.
VIDEO_COMPLETE_SHARE = 0.9


def merge_intervals(intervals: list[list[float]]) -> list[list[float]]:
    spans = sorted([float(a), float(b)] for a, b in intervals if b > a)
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 0.5:  # half a second of slack for seek jitter
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered_seconds(intervals: list[list[float]]) -> float:
    return sum(end - start for start, end in merge_intervals(intervals))


def _item_of(event: Event) -> str | None:
    prefix = f"urn:slate:activity:{event.course_id}:"
    if event.course_id is None or not event.object_id.startswith(prefix):
        return None
    return event.object_id[len(prefix) :].split(":", 1)[0]


def apply_event(session: Session, event: Event) -> None:
    """Fold one event into the learner's progress row for its item."""
    item_id = _item_of(event)
    if item_id is None or event.verb == Verb.ANSWERED:
        return
    assert event.course_id is not None
    row = session.get(Progress, (event.user_id, event.course_id, item_id))
    if row is None:
        row = Progress(
            user_id=event.user_id,
            course_id=event.course_id,
            item_id=item_id,
            watched=[],
            started=False,
            completed=False,
            passed=False,
            attempts=0,
        )
        session.add(row)
    result: dict[str, Any] = event.result or {}
    row.started = True
    if event.verb == Verb.COMPLETED:
        row.completed = True
    elif event.verb == Verb.PROGRESSED:
        row.watched = merge_intervals([*row.watched, *result.get("watched", [])])
        if result.get("position_s") is not None:
            row.position_s = float(result["position_s"])
        duration = result.get("duration_s")
        if duration and covered_seconds(row.watched) >= VIDEO_COMPLETE_SHARE * float(duration):
            row.completed = True
    elif event.verb == Verb.ATTEMPTED:
        row.attempts += 1
    elif event.verb in (Verb.PASSED, Verb.FAILED):
        row.completed = True
        row.passed = row.passed or event.verb == Verb.PASSED
        score = result.get("score_scaled")
        if score is not None:
            row.best_score = max(row.best_score or 0.0, float(score))
    row.updated_at = datetime.now(UTC)


def rebuild_progress(session: Session, user_id: str | None = None) -> int:
    """Recompute progress from events alone; returns the number of events replayed."""
    stmt = delete(Progress)
    query = select(Event).order_by(Event.source_id, Event.seq)
    if user_id is not None:
        stmt = stmt.where(Progress.user_id == user_id)
        query = query.where(Event.user_id == user_id)
    session.execute(stmt)
    session.flush()
    count = 0
    for event in session.scalars(query):
        apply_event(session, event)
        session.flush()
        count += 1
    return count


@dataclass(frozen=True)
class CourseProgress:
    course_id: str
    items_total: int
    items_completed: int
    quizzes_passed: int

    @property
    def fraction(self) -> float:
        return self.items_completed / self.items_total if self.items_total else 0.0


def course_progress(session: Session, user_id: str, course_id: str) -> CourseProgress:
    active = select(Item.item_id).where(Item.course_id == course_id, Item.retired.is_(False))
    total = session.scalar(select(func.count()).select_from(active.subquery())) or 0
    done = (
        session.scalar(
            select(func.count()).where(
                Progress.user_id == user_id,
                Progress.course_id == course_id,
                Progress.completed.is_(True),
                Progress.item_id.in_(active),
            )
        )
        or 0
    )
    passed = (
        session.scalar(
            select(func.count()).where(
                Progress.user_id == user_id,
                Progress.course_id == course_id,
                Progress.passed.is_(True),
                Progress.item_id.in_(
                    select(Item.item_id).where(
                        Item.course_id == course_id,
                        Item.kind == ItemKind.QUIZ,
                        Item.retired.is_(False),
                    )
                ),
            )
        )
        or 0
    )
    return CourseProgress(course_id, int(total), int(done), int(passed))


def item_progress(session: Session, user_id: str, course_id: str) -> dict[str, Progress]:
    rows = session.scalars(
        select(Progress).where(Progress.user_id == user_id, Progress.course_id == course_id)
    )
    return {row.item_id: row for row in rows}

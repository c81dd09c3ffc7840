"""One pass over a course's events for everything the dashboards and insights need.

The events table is the biggest in the store (a million rows for a class of 40 over a term), so
it is read once, grouped by learner and activity in SQLite: when each was first completed, how
many completions fell in the last week and in the two weeks before it, and how many actions in
the last two weeks. Everything else is plain Python over those few thousand groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.db.models import Event
from app.events import Verb, activity_id

# Events that finish an item: a lesson or document read, a quiz submitted (passed or failed).
COMPLETION_VERBS = (Verb.COMPLETED.value, Verb.PASSED.value, Verb.FAILED.value)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class LearnerActivity:
    completed_last_week: int = 0
    # Completions in the two weeks before the last one.
    completed_before: int = 0
    # Learning actions of any kind in the last two weeks.
    recent_actions: int = 0


@dataclass(frozen=True)
class CourseActivity:
    now: datetime
    # (learner, item id) -> when the learner first completed that item.
    first_completed: dict[tuple[str, str], datetime] = field(default_factory=dict)
    learners: dict[str, LearnerActivity] = field(default_factory=dict)

    def of(self, user_id: str) -> LearnerActivity:
        return self.learners.get(user_id, LearnerActivity())

    def completers(self, item_id: str) -> set[str]:
        return {user for user, item in self.first_completed if item == item_id}


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def course_activity(
    session: Session, course_id: str, now: datetime | None = None
) -> CourseActivity:
    now = now or datetime.now(UTC)
    t = Event.occurred_at
    done = Event.verb.in_(COMPLETION_VERBS)
    last_week = and_(done, t >= now - WEEK, t < now)
    before = and_(done, t >= now - 3 * WEEK, t < now - WEEK)
    recent = and_(t >= now - 2 * WEEK, t < now)
    # Grouped by learner and the item a completion is about; every other event of a learner
    # falls in one group (NULL), which keeps the groups few on a million rows.
    done_object = case((done, Event.object_id)).label("done_object")
    rows = session.execute(
        select(
            Event.user_id,
            done_object,
            func.min(case((done, t))),
            func.sum(case((last_week, 1), else_=0)),
            func.sum(case((before, 1), else_=0)),
            func.sum(case((recent, 1), else_=0)),
        )
        .where(Event.course_id == course_id)
        .group_by(Event.user_id, done_object)
    )
    prefix = activity_id(course_id) + ":"
    first: dict[tuple[str, str], datetime] = {}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for user_id, object_id, first_done, n_last, n_before, n_recent in rows:
        if first_done is not None and object_id and object_id.startswith(prefix):
            first[(user_id, object_id[len(prefix) :])] = _aware(first_done)
        counts = totals[user_id]
        counts[0] += int(n_last or 0)
        counts[1] += int(n_before or 0)
        counts[2] += int(n_recent or 0)
    return CourseActivity(
        now, first, {user: LearnerActivity(*counts) for user, counts in totals.items()}
    )

"""Insights in plain words, each naming the students it is about.

- completion falling: a student completed items in the two weeks before the last one, but
  at most half as many in the last week;
- low engagement: a student did markedly less in the last two weeks than the class usually
  does (under a quarter of the class median of learning events), or nothing at all;
- a lesson many fail after: of the students who completed a lesson, at least half failed the
  quiz that follows it in the course.

"Now" is passed in (default: the current time). The counts come from the one grouped pass
over the course's events in `app.analytics.activity`; the rules are plain Python over one row
per student.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.permissions import COURSE_READ, require
from app.analytics.activity import CourseActivity, course_activity
from app.analytics.gradebook import Gradebook, GradeStatus, build_gradebook
from app.db.models import Item, ItemKind, Module

LOW_ENGAGEMENT_SHARE = 0.25
FAIL_AFTER_SHARE = 0.5
MIN_STUDENTS_FOR_FAIL_AFTER = 3


@dataclass(frozen=True)
class Insight:
    kind: str  # completion_falling | low_engagement | fail_after_lesson
    text: str
    user_ids: list[str]
    item_id: str | None = None


def _names(book: Gradebook, user_ids: list[str]) -> str:
    names = {s.user_id: s.display_name for s in book.students}
    listed = [names[u] for u in user_ids if u in names]
    return ", ".join(listed[:-1]) + f" and {listed[-1]}" if len(listed) > 1 else "".join(listed)


def completion_falling(book: Gradebook, activity: CourseActivity) -> Insight | None:
    falling = []
    for s in book.students:
        learner = activity.of(s.user_id)
        weekly_before = learner.completed_before / 2
        if weekly_before >= 1 and learner.completed_last_week <= weekly_before / 2:
            falling.append(s.user_id)
    if not falling:
        return None
    return Insight(
        "completion_falling",
        f"{_names(book, falling)} completed far fewer steps last week than in the two weeks "
        "before: check in with them.",
        falling,
    )


def low_engagement(book: Gradebook, activity: CourseActivity) -> Insight | None:
    counts = {s.user_id: activity.of(s.user_id).recent_actions for s in book.students}
    if not counts:
        return None
    median = statistics.median(counts.values())
    low = [u for u, n in counts.items() if n == 0 or n < LOW_ENGAGEMENT_SHARE * median]
    if not low:
        return None
    return Insight(
        "low_engagement",
        f"{_names(book, low)} did little or nothing in Slate in the last two weeks "
        f"(the class's usual is {median:g} learning actions).",
        low,
    )


def fail_after_lesson(session: Session, book: Gradebook, activity: CourseActivity) -> list[Insight]:
    """For each quiz, the lesson right before it in course order: who completed the lesson
    and then failed the quiz."""
    items = session.execute(
        select(Item.item_id, Item.title, Item.kind)
        .join(Module, Module.pk == Item.module_pk)
        .where(Item.course_id == book.course_id, Item.retired.is_(False))
        .order_by(Module.position, Item.position)
    ).all()
    out = []
    lesson: tuple[str, str] | None = None
    for item_id, title, kind in items:
        if kind in (ItemKind.LESSON, ItemKind.VIDEO):
            lesson = (item_id, title)
            continue
        if kind != ItemKind.QUIZ or lesson is None:
            continue
        readers = activity.completers(lesson[0])
        judged = [
            s.user_id
            for s in book.students
            if s.user_id in readers
            and book.cell(s.user_id, item_id).status in (GradeStatus.PASSED, GradeStatus.FAILED)
        ]
        failed = [u for u in judged if book.cell(u, item_id).status is GradeStatus.FAILED]
        enough = len(judged) >= MIN_STUDENTS_FOR_FAIL_AFTER
        if enough and len(failed) >= FAIL_AFTER_SHARE * len(judged):
            out.append(
                Insight(
                    "fail_after_lesson",
                    f"{len(failed)} of {len(judged)} students who completed {lesson[1]!r} then "
                    f"failed {title!r}: the lesson may not prepare for the quiz. "
                    f"They are {_names(book, failed)}.",
                    failed,
                    lesson[0],
                )
            )
    return out


def class_insights(
    session: Session,
    course_id: str,
    *,
    actor_id: str | None = None,
    now: datetime | None = None,
    book: Gradebook | None = None,
    activity: CourseActivity | None = None,
) -> list[Insight]:
    """`now` is when the weeks end (default: the current time); `book` and `activity` when the
    caller has them already (their `now` wins then)."""
    if actor_id is not None:
        require(session, actor_id, COURSE_READ, course_id=course_id)
    book = book or build_gradebook(session, course_id, actor_id=actor_id)
    activity = activity or course_activity(session, course_id, now)
    found = [completion_falling(book, activity), low_engagement(book, activity)]
    return [i for i in found if i is not None] + fail_after_lesson(session, book, activity)

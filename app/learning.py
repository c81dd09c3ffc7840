"""Learner actions on lessons and videos. Each writes its event in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.courses.catalog import get_item
from app.db.models import Course, Progress
from app.events import Verb, activity_id, record_event
from app.progress import merge_intervals


def _course_version(session: Session, course_id: str) -> str:
    course = session.get(Course, course_id)
    if course is None:
        raise LookupError(f"no course {course_id!r}")
    return course.version


def open_item(session: Session, user_id: str, course_id: str, item_id: str) -> None:
    """The learner opened a lesson or video ("experienced")."""
    get_item(session, course_id, item_id)
    record_event(
        session,
        user_id=user_id,
        verb=Verb.EXPERIENCED,
        course_id=course_id,
        course_version=_course_version(session, course_id),
        object_id=activity_id(course_id, item_id),
    )


def complete_lesson(session: Session, user_id: str, course_id: str, item_id: str) -> bool:
    """Mark a reading lesson done. Returns False (and records nothing) if it already was."""
    get_item(session, course_id, item_id)
    row = session.get(Progress, (user_id, course_id, item_id))
    if row is not None and row.completed:
        return False
    record_event(
        session,
        user_id=user_id,
        verb=Verb.COMPLETED,
        course_id=course_id,
        course_version=_course_version(session, course_id),
        object_id=activity_id(course_id, item_id),
        result={"completion": True},
    )
    return True


def record_video_progress(
    session: Session,
    user_id: str,
    course_id: str,
    item_id: str,
    *,
    watched: list[list[float]],
    position_s: float,
    duration_s: float,
) -> None:
    """Intervals [start, end] (seconds) actually played since the last record."""
    spans = merge_intervals([[max(0.0, a), min(b, duration_s or b)] for a, b in watched])
    if not spans and position_s <= 0:
        return
    record_event(
        session,
        user_id=user_id,
        verb=Verb.PROGRESSED,
        course_id=course_id,
        course_version=_course_version(session, course_id),
        object_id=activity_id(course_id, item_id),
        result={"watched": spans, "position_s": round(position_s, 3), "duration_s": duration_s},
    )


def resume_position(session: Session, user_id: str, course_id: str, item_id: str) -> float:
    row = session.get(Progress, (user_id, course_id, item_id))
    return float(row.position_s or 0.0) if row else 0.0

"""Grading learners' raw answers on the server with the published version's key.

The server never trusts a score a laptop sends: an `answered` event carries the raw response, and
the grading keys of every published version are kept with it (CourseVersion.keys), so the
server grades with app.assess, the same pure functions the laptop uses. Calibration uses this
to know which answers were right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assess import NotAutoGraded, UnknownQuestionType, grade_response
from sync.server.models import AnswerScore, CourseVersion, Device, Event

ACTIVITY_PREFIX = "urn:slate:activity:"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


@dataclass(frozen=True)
class QuestionRef:
    course_id: str
    item_id: str
    question_id: str

    @property
    def key(self) -> str:
        return f"{self.item_id}/{self.question_id}"


def question_ref(object_id: str) -> QuestionRef | None:
    """`urn:slate:activity:COURSE:ITEM:QUESTION` -> its parts; None for any other activity."""
    if not object_id.startswith(ACTIVITY_PREFIX):
        return None
    parts = object_id[len(ACTIVITY_PREFIX) :].split(":")
    if len(parts) != 3 or not all(parts):
        return None
    return QuestionRef(*parts)


class VersionKeys:
    """Grading keys of published course versions, loaded once per (course, version)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._keys: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, course_id: str, version: str) -> dict[str, Any]:
        found = self._keys.get((course_id, version))
        if found is None:
            found = (
                self._session.scalar(
                    select(CourseVersion.keys)
                    .where(CourseVersion.course_id == course_id, CourseVersion.version == version)
                    .limit(1)
                )
                or {}
            )
            self._keys[(course_id, version)] = found
        return found


def grade_answer(
    keys: VersionKeys, course_version: str | None, object_id: str, result: dict[str, Any] | None
) -> tuple[QuestionRef, float] | None:
    """The share (0..1) the raw response earns, with the question it answers; None when the
    event cannot be graded here (no published version, not a question, graded by a teacher)."""
    ref = question_ref(object_id)
    if ref is None or not course_version:
        return None
    spec = keys.get(ref.course_id, course_version).get(ref.key)
    if spec is None:
        return None
    try:
        share = grade_response(spec["type"], spec["key"], (result or {}).get("response"))
    except (NotAutoGraded, UnknownQuestionType):
        return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return ref, 0.0  # a malformed response earns nothing, as on the laptop
    return ref, share


def _score_row(
    event_id: str, school_id: str, event: Any, ref: QuestionRef, share: float
) -> dict[str, Any]:
    """An `answer_scores` row; `event` is a pushed EventIn or a stored Event."""
    return {
        "event_id": event_id,
        "school_id": school_id,
        "user_id": event.user_id,
        "course_id": ref.course_id,
        "course_version": event.course_version,
        "question": ref.key,
        "share": share,
        "graded_at": datetime.now(UTC),
    }


def score_answers(session: Session, device: Device, events: Sequence[Any]) -> int:
    """Grade the `answered` events of a push in its transaction; returns how many were scored.

    `events` are the push's checked events (`.id`, `.event`). Repeats are harmless: a score is
    stored once per event id. Answers to a version not published (yet) stay unscored until
    `rescore_unscored` runs after publication.
    """
    keys = VersionKeys(session)
    rows = []
    for item in events:
        event = item.event
        if event.verb != ANSWERED or not event.course_version:
            continue
        graded = grade_answer(keys, event.course_version, event.object_id, event.result)
        if graded is None:
            continue
        rows.append(_score_row(item.id, device.school_id, event, *graded))
    return _insert_scores(session, rows)


def rescore_unscored(session: Session, course_id: str) -> int:
    """Score the course's answers that arrived before their version was published. The caller
    commits."""
    keys = VersionKeys(session)
    scored = select(AnswerScore.event_id)
    rows = []
    for event in session.scalars(
        select(Event).where(
            Event.verb == ANSWERED, Event.course_id == course_id, Event.id.not_in(scored)
        )
    ):
        graded = grade_answer(keys, event.course_version, event.object_id, event.result)
        if graded is None or not event.course_version:
            continue
        rows.append(_score_row(event.id, event.school_id, event, *graded))
    return _insert_scores(session, rows)


def _insert_scores(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(AnswerScore).on_conflict_do_nothing(index_elements=["event_id"])
    session.execute(statement, rows)
    return len(rows)

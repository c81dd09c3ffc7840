"""Calibrating a course's questions from the answers learners sent (2PL, marginal maximum
likelihood with app.adaptive.calibrate), and sending the parameters down to the laptops.

`calibrate_course` is what `slate server calibrate --course ID` runs, and what a periodic job
calls. Each answer is graded here with the published version's key (sync/server/rescore.py),
never with a score from the laptop. A learner's final answer in each attempt counts, and of
those the first attempt at each question (calibration wants the item as first met, before
feedback). Questions with fewer than `min_responses` answers are left out. The result goes into
each school's change log as one `item_params` record per course (key: the course id), which
holds the parameters: the newest record is the course's current calibration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.adaptive.calibrate import calibrate_2pl, response_matrix
from app.errors import SlateError
from sync.changes import KIND_ITEM_PARAMS, ItemParamsPayload
from sync.server.changes import append_change
from sync.server.models import CourseVersion, Event
from sync.server.rescore import ANSWERED, VersionKeys, grade_answer

DEFAULT_MIN_RESPONSES = 30
# An answer earning at least this share counts as right for a dichotomous 2PL model.
RIGHT_SHARE = 1.0 - 1e-9


class CalibrationError(SlateError):
    """The course cannot be calibrated now; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class CalibrationSummary:
    course_id: str
    calibrated_at: str
    questions: int
    learners: int
    responses: int
    converged: bool
    iterations: int
    schools: int
    params: dict[str, dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_records(session: Session, course_id: str) -> list[tuple[str, str, bool]]:
    """(learner, "quiz/question", right) for each attempt's final answer, in arrival order."""
    keys = VersionKeys(session)
    finals: dict[tuple[str, str, str], tuple[str, bool]] = {}
    rows = session.execute(
        select(Event.user_id, Event.course_version, Event.object_id, Event.result, Event.context)
        .where(Event.verb == ANSWERED, Event.course_id == course_id)
        .order_by(Event.source_id, Event.seq)
    )
    for user_id, version, object_id, result, context in rows:
        graded = grade_answer(keys, version, object_id, result)
        if graded is None:
            continue
        ref, share = graded
        attempt = str((context or {}).get("attempt_id", ""))
        # Later answers in one attempt replace earlier ones (a learner changing their mind).
        finals[(user_id, attempt, ref.key)] = (ref.key, share >= RIGHT_SHARE)
    return [(user, key, right) for (user, _attempt, _q), (key, right) in finals.items()]


def calibrate_course(
    session: Session,
    course_id: str,
    *,
    min_responses: int = DEFAULT_MIN_RESPONSES,
    now: datetime | None = None,
) -> CalibrationSummary:
    """Estimate, store in the change log of every school the course is published to, commit."""
    published = list(
        session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == course_id)
            .order_by(CourseVersion.published_at)
        )
    )
    if not published:
        raise CalibrationError(f"--course {course_id}: no version of this course is published")
    records = answer_records(session, course_id)
    if not records:
        raise CalibrationError(f"course {course_id}: no auto-graded answers have arrived yet")
    matrix, learners, questions = response_matrix(records)
    counts = (~np.isnan(matrix)).sum(axis=0)
    keep = np.flatnonzero(counts >= min_responses)
    if keep.size == 0:
        raise CalibrationError(
            f"course {course_id}: no question has {min_responses} answers yet (the most: "
            f"{int(counts.max())}); calibrate later or lower --min-responses"
        )
    result = calibrate_2pl(matrix[:, keep])
    params = {
        questions[column]: {
            "a": round(float(result.params.a[i]), 4),
            "b": round(float(result.params.b[i]), 4),
        }
        for i, column in enumerate(keep)
    }
    stamp = (now or datetime.now(UTC)).isoformat()
    newest: dict[str, CourseVersion] = {}
    for row in published:  # ordered by publication: the last one per school is its current one
        newest[row.school_id] = row
    for school_id, version in newest.items():
        known = {key: value for key, value in params.items() if key in version.keys}
        payload = ItemParamsPayload(
            course_id=course_id,
            version=version.version,
            calibrated_at=stamp,
            params=known,
            responses=int(counts[keep].sum()),
        )
        append_change(
            session,
            school_id=school_id,
            kind=KIND_ITEM_PARAMS,
            key=course_id,
            payload=payload.model_dump(),
        )
    session.commit()
    return CalibrationSummary(
        course_id=course_id,
        calibrated_at=stamp,
        questions=len(params),
        learners=len(learners),
        responses=int(counts[keep].sum()),
        converged=result.converged,
        iterations=result.iterations,
        schools=len(newest),
        params=params,
    )

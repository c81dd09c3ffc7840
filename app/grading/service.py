"""Grading on this laptop: grade one answer (rubric, comment, override) and regrade a question.

Every grade is a revision (app.grading.records) written in the same transaction as a `graded`
event carrying the whole record, so it goes up with the normal push and comes down to the
learner's laptop from the server. Each function asks app.accounts.permissions first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from uuid6 import uuid7

from app.accounts.permissions import GRADES_WRITE, QUESTIONS_REGRADE, require
from app.assess import grade_response, is_auto_graded
from app.db.models import Answer, Attempt, AttemptStatus, Question
from app.errors import SlateError
from app.events import Verb, activity_id, record_event
from app.grading.hlc import tick
from app.grading.records import apply_grade_record, heads
from app.grading.rubrics import rubric_points
from app.grading.scoring import retotal_attempt
from app.grading.tables import AnswerGrade, GradeRecord


class GradingError(SlateError):
    pass


def answer_object_id(attempt_id: str, question_id: str) -> str:
    """The xAPI object of a `graded` event: one learner's answer (not a course activity, so
    the grader's own progress is never touched by it)."""
    return f"urn:slate:answer:{attempt_id}:{question_id}"


def question_of(session: Session, attempt: Attempt, question_id: str) -> Question:
    from app.courses.catalog import get_item

    if question_id not in attempt.question_order:
        raise GradingError(f"question {question_id!r} is not part of attempt {attempt.id}")
    assessment = get_item(session, attempt.course_id, attempt.item_id).assessment
    for question in assessment.questions if assessment else []:
        if question.question_id == question_id:
            return question
    raise GradingError(f"question {question_id!r} is no longer in quiz {attempt.item_id!r}")


def _submitted(session: Session, attempt_id: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise GradingError(f"no attempt {attempt_id}")
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise GradingError("An attempt can be graded only after the learner has submitted it.")
    return attempt


def grade_answer(
    session: Session,
    actor_id: str,
    attempt_id: str,
    question_id: str,
    *,
    score: float | None = None,
    rubric_choices: dict[str, str] | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """Grade one answer; returns the record written. The caller commits.

    The points are `score` when given (an override, for any answer, auto-graded or not),
    otherwise the sum of the rubric levels chosen. The new revision edits the grade that
    counts now and replaces any revision in conflict with it: the grader has seen them all.
    """
    attempt = _submitted(session, attempt_id)
    require(
        session, actor_id, GRADES_WRITE, course_id=attempt.course_id, learner_id=attempt.user_id
    )
    question = question_of(session, attempt, question_id)
    if question.points <= 0:
        raise GradingError(
            f"Question {question_id!r} is worth no points; there is nothing to grade."
        )
    choices = dict(rubric_choices or {})
    if score is None:
        if not choices:
            raise GradingError("Give a score or choose a level for each rubric criterion.")
        score = rubric_points(session, attempt.course_id, attempt.item_id, question_id, choices)
    elif choices:
        rubric_points(session, attempt.course_id, attempt.item_id, question_id, choices)
    if not 0 <= score <= question.points:
        raise GradingError(
            f"A score for question {question_id!r} must be 0 to {question.points:g} points, "
            f"not {score:g}."
        )
    current = session.get(AnswerGrade, (attempt_id, question_id))
    points, maximum = float(score), float(question.points)
    record: dict[str, Any] = {
        "revision_id": str(uuid7()),
        "base_revision": current.revision_id if current else None,
        "supersedes": list(current.conflicting) if current else [],
        "hlc": str(tick(session)),
        "grader_id": actor_id,
        "learner_id": attempt.user_id,
        "attempt_id": attempt_id,
        "question_id": question_id,
        "course_id": attempt.course_id,
        "item_id": attempt.item_id,
        "score": points,
        "max_points": maximum,
        "comment": comment.strip(),
        "rubric": choices,
        "graded_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    apply_grade_record(session, record)
    record_event(
        session,
        user_id=actor_id,
        verb=Verb.GRADED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=answer_object_id(attempt_id, question_id),
        result={
            "score_raw": points,
            "score_max": maximum,
            "score_scaled": round(points / maximum, 6),
            "grade_record": record,
        },
        context={
            "attempt_id": attempt_id,
            "learner_id": attempt.user_id,
            "revision_id": record["revision_id"],
        },
    )
    _record_outcome(session, attempt, actor_id, record["revision_id"])
    return record


def _record_outcome(session: Session, attempt: Attempt, grader_id: str, revision_id: str) -> None:
    """Once no answer of the attempt waits for a teacher, the learner has passed or failed:
    say so with the learner's own passed/failed event, so their progress (derived from events)
    shows it. Written only where the grade is made; a grade that comes down does not repeat it."""
    session.flush()
    if attempt.ungraded_count or attempt.score is None:
        return
    record_event(
        session,
        user_id=attempt.user_id,
        verb=Verb.PASSED if attempt.passed else Verb.FAILED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id),
        result={
            "score_scaled": round(attempt.score, 6),
            "score_raw": attempt.points,
            "score_max": attempt.max_points,
            "completion": True,
            "success": bool(attempt.passed),
        },
        context={"attempt_id": attempt.id, "graded_by": grader_id, "revision_id": revision_id},
    )


@dataclass(frozen=True)
class RegradeSummary:
    answers: int
    changed: int
    attempts: int


def regrade_question(
    session: Session, actor_id: str, course_id: str, item_id: str, question_id: str
) -> RegradeSummary:
    """Grade every submitted answer to an auto-graded question again with its current key
    (after the author fixed it), and sum the attempts again. A teacher's grade on an answer
    stays: it overrides the key. The caller commits."""
    require(session, actor_id, QUESTIONS_REGRADE, course_id=course_id)
    from app.courses.catalog import get_item

    assessment = get_item(session, course_id, item_id).assessment
    question = next(
        (q for q in (assessment.questions if assessment else []) if q.question_id == question_id),
        None,
    )
    if question is None:
        raise GradingError(f"no question {question_id!r} in quiz {item_id!r}")
    if not is_auto_graded(question.type):
        raise GradingError(
            f"Question {question_id!r} is graded by a teacher ({question.type}); "
            "there is no key to regrade with."
        )
    rows = session.execute(
        select(Answer, Attempt)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Attempt.course_id == course_id,
            Attempt.item_id == item_id,
            Attempt.status != AttemptStatus.IN_PROGRESS,
            Answer.question_id == question_id,
        )
    ).all()
    graded_by_teacher = set(
        session.scalars(
            select(GradeRecord.attempt_id).where(
                GradeRecord.course_id == course_id,
                GradeRecord.item_id == item_id,
                GradeRecord.question_id == question_id,
            )
        )
    )
    changed = 0
    touched: dict[str, Attempt] = {}
    for answer, attempt in rows:
        if attempt.id in graded_by_teacher and heads(session, attempt.id, question_id):
            continue
        share = grade_response(question.type, question.key, answer.response)
        if answer.score is None or abs(answer.score - share) > 1e-9:
            answer.score = share
            changed += 1
            touched[attempt.id] = attempt
    for attempt in touched.values():
        retotal_attempt(session, attempt)
    return RegradeSummary(len(rows), changed, len(touched))

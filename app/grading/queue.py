"""What a teacher grades, and what anyone may read of an attempt.

- `grading_queue`: answers waiting for a teacher (essays, uploads, drawings, code) and answers
  whose grades are in conflict, for the learners and courses the actor teaches (all of them for
  an administrator); oldest first.
- `answer_for_grading`: one answer with its question, rubric, current grade and any conflict.
- `attempts_of` / `review_attempt`: a learner's attempts and their review, refused to anyone the
  permission policy does not let see that learner (another student on a shared laptop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.permissions import GRADES_WRITE, LEARNER_READ, allowed, require
from app.assess import is_auto_graded
from app.attempts import NOT_A_QUESTION, AttemptResult, review
from app.courses.catalog import get_item
from app.db.models import Answer, Attempt, AttemptStatus, Item, Question, User
from app.grading.records import record_to_dict
from app.grading.rubrics import RubricCriterion, get_rubric
from app.grading.service import GradingError, question_of
from app.grading.tables import AnswerGrade, GradeRecord


@dataclass(frozen=True)
class QueueEntry:
    attempt_id: str
    question_id: str
    learner_id: str
    learner_name: str
    course_id: str
    item_id: str
    quiz_title: str
    question_type: str
    submitted_at: datetime | None
    # "ungraded" (waits for a first grade) or "conflict" (two grades made concurrently).
    reason: str


@dataclass(frozen=True)
class AnswerForGrading:
    entry: QueueEntry
    prompt_md: str
    response: Any
    points: float
    rubric: list[RubricCriterion]
    current: dict[str, Any] | None
    conflicting: list[dict[str, Any]]


def grading_queue(
    session: Session, actor_id: str, *, course_id: str | None = None, everything: bool = False
) -> list[QueueEntry]:
    """Answers to grade, oldest first; with `everything`, also those graded already (reason
    "graded" or "auto"), so a teacher can override any answer."""
    query = (
        select(Attempt, User.display_name, Item.title)
        .join(User, User.id == Attempt.user_id)
        .join(Item, (Item.course_id == Attempt.course_id) & (Item.item_id == Attempt.item_id))
        .where(Attempt.status != AttemptStatus.IN_PROGRESS)
        .order_by(Attempt.submitted_at, Attempt.id)
    )
    if course_id is not None:
        query = query.where(Attempt.course_id == course_id)
    conflicts = {
        (g.attempt_id, g.question_id) for g in session.scalars(select(AnswerGrade)) if g.conflicting
    }
    entries: list[QueueEntry] = []
    may_grade: dict[tuple[str, str], bool] = {}
    questions_of: dict[tuple[str, str], dict[str, Question]] = {}
    for attempt, learner_name, title in session.execute(query):
        key = (attempt.course_id, attempt.user_id)
        if key not in may_grade:
            may_grade[key] = allowed(
                session, actor_id, GRADES_WRITE, course_id=key[0], learner_id=key[1]
            )
        if not may_grade[key]:
            continue
        answers = {a.question_id: a for a in attempt.answers}
        quiz = (attempt.course_id, attempt.item_id)
        if quiz not in questions_of:
            assessment = get_item(session, *quiz).assessment
            questions_of[quiz] = {
                q.question_id: q for q in (assessment.questions if assessment else [])
            }
        for qid in attempt.question_order:
            question = questions_of[quiz].get(qid)
            if question is None:
                continue
            answer: Answer | None = answers.get(qid)
            if (attempt.id, qid) in conflicts:
                reason = "conflict"
            elif question.type in NOT_A_QUESTION:
                continue
            elif not is_auto_graded(question.type) and (answer is None or answer.score is None):
                reason = "ungraded"
            elif everything:
                reason = "graded" if session.get(AnswerGrade, (attempt.id, qid)) else "auto"
            else:
                continue
            entries.append(
                QueueEntry(
                    attempt.id,
                    qid,
                    attempt.user_id,
                    learner_name,
                    attempt.course_id,
                    attempt.item_id,
                    title,
                    question.type,
                    attempt.submitted_at,
                    reason,
                )
            )
    return entries


def answer_for_grading(
    session: Session, actor_id: str, attempt_id: str, question_id: str
) -> AnswerForGrading:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise GradingError(f"no attempt {attempt_id}")
    require(
        session, actor_id, GRADES_WRITE, course_id=attempt.course_id, learner_id=attempt.user_id
    )
    question = question_of(session, attempt, question_id)
    learner = session.get(User, attempt.user_id)
    item = session.scalar(
        select(Item).where(Item.course_id == attempt.course_id, Item.item_id == attempt.item_id)
    )
    answer = session.get(Answer, (attempt_id, question_id))
    grade = session.get(AnswerGrade, (attempt_id, question_id))
    current = session.get(GradeRecord, grade.revision_id) if grade else None
    others = [session.get(GradeRecord, rid) for rid in (grade.conflicting if grade else [])]
    entry = QueueEntry(
        attempt_id,
        question_id,
        attempt.user_id,
        learner.display_name if learner else attempt.user_id,
        attempt.course_id,
        attempt.item_id,
        item.title if item else attempt.item_id,
        question.type,
        attempt.submitted_at,
        "conflict" if others else ("graded" if current else "ungraded"),
    )
    return AnswerForGrading(
        entry,
        question.prompt_md,
        answer.response if answer else None,
        question.points,
        get_rubric(session, attempt.course_id, attempt.item_id, question_id),
        record_to_dict(current) if current else None,
        [record_to_dict(r) for r in others if r is not None],
    )


@dataclass(frozen=True)
class AttemptSummary:
    attempt_id: str
    course_id: str
    item_id: str
    status: str
    score: float | None
    submitted_at: datetime | None


def attempts_of(
    session: Session, actor_id: str, learner_id: str, *, course_id: str | None = None
) -> list[AttemptSummary]:
    """A learner's attempts, newest first, for whoever may see that learner's work."""
    require(session, actor_id, LEARNER_READ, learner_id=learner_id, course_id=course_id)
    query = select(Attempt).where(Attempt.user_id == learner_id)
    if course_id is not None:
        query = query.where(Attempt.course_id == course_id)
    return [
        AttemptSummary(a.id, a.course_id, a.item_id, a.status.value, a.score, a.submitted_at)
        for a in session.scalars(query.order_by(Attempt.started_at.desc()))
    ]


def review_attempt(session: Session, actor_id: str, attempt_id: str) -> AttemptResult:
    """The review of an attempt (with any teacher's grades), for whoever may see its learner."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise GradingError(f"no attempt {attempt_id}")
    require(
        session, actor_id, LEARNER_READ, learner_id=attempt.user_id, course_id=attempt.course_id
    )
    return review(session, attempt_id)


@dataclass(frozen=True)
class RegradableQuestion:
    course_id: str
    item_id: str
    question_id: str
    label: str


def regradable_questions(session: Session, actor_id: str) -> list[RegradableQuestion]:
    """Auto-graded questions of the quizzes in courses the actor may regrade."""
    from app.accounts.permissions import QUESTIONS_REGRADE
    from app.db.models import Assessment

    rows = session.execute(
        select(Item.course_id, Item.item_id, Item.title, Question.question_id, Question.type)
        .join(Assessment, Assessment.item_pk == Item.pk)
        .join(Question, Question.assessment_pk == Assessment.pk)
        .where(Question.retired.is_(False))
        .order_by(Item.course_id, Item.position, Question.position)
    ).all()
    may: dict[str, bool] = {}
    found = []
    for course_id, item_id, title, question_id, qtype in rows:
        if not is_auto_graded(qtype):
            continue
        if course_id not in may:
            may[course_id] = allowed(session, actor_id, QUESTIONS_REGRADE, course_id=course_id)
        if may[course_id]:
            found.append(
                RegradableQuestion(course_id, item_id, question_id, f"{title}: {question_id}")
            )
    return found

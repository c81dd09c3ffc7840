"""One student's record in a course: every attempt at every quiz, and every answer in it.

For the teacher, so nothing is withheld (no feedback timing applies) and retired questions
still show: the learner's answers to them stay part of the record. Two queries in all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.permissions import LEARNER_READ, require
from app.attempts import NOT_A_QUESTION
from app.db.models import Answer, Assessment, Attempt, AttemptStatus, Item, Question, User
from app.errors import SlateError


@dataclass(frozen=True)
class AnswerDetail:
    question_id: str
    prompt: str
    type: str
    response: str
    # The graded share (0..1) before any hint penalty; None while a teacher has to grade it.
    share: float | None
    points: float
    hints_used: int
    time_spent_s: float
    retired: bool = False


@dataclass(frozen=True)
class AttemptDetail:
    attempt_id: str
    item_id: str
    title: str
    status: AttemptStatus
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    passed: bool | None
    elapsed_s: float
    awaiting_grading: int
    answers: list[AnswerDetail] = field(default_factory=list)


def response_text(question: Question | None, response: Any) -> str:
    """A response as words: option ids become their texts; lists are joined."""
    if response is None or response == "" or response == []:
        return "(no answer)"
    options = {o["id"]: o.get("text", o["id"]) for o in question.options} if question else {}
    if isinstance(response, list):
        return "; ".join(response_text(question, r) for r in response)
    if isinstance(response, dict):
        return "; ".join(f"{k} → {response_text(question, v)}" for k, v in response.items())
    text = str(response)
    return str(options.get(text, text))


def _share(attempt: Attempt, answer: Answer | None) -> float | None:
    if answer is not None:
        return answer.score
    # Unanswered: nothing yet while the attempt is open, nothing earned once it is submitted.
    return None if attempt.status == AttemptStatus.IN_PROGRESS else 0.0


def student_record(
    session: Session, course_id: str, user_id: str, *, actor_id: str | None = None
) -> list[AttemptDetail]:
    """The student's attempts in this course, oldest first, each with its answers."""
    if actor_id is not None:
        require(session, actor_id, LEARNER_READ, course_id=course_id, learner_id=user_id)
    if session.get(User, user_id) is None:
        raise SlateError(f"there is no learner {user_id!r} on this computer")
    questions: dict[tuple[str, str], Question] = {}
    titles: dict[str, str] = {}
    for item_id, title, question in session.execute(
        select(Item.item_id, Item.title, Question)
        .join(Assessment, Assessment.item_pk == Item.pk)
        .outerjoin(Question, Question.assessment_pk == Assessment.pk)
        .where(Item.course_id == course_id)
    ):
        titles[item_id] = title
        if question is not None:
            questions[(item_id, question.question_id)] = question
    attempts = session.scalars(
        select(Attempt)
        .where(Attempt.course_id == course_id, Attempt.user_id == user_id)
        .order_by(Attempt.started_at, Attempt.id)
    ).all()
    answers: dict[str, dict[str, Answer]] = defaultdict(dict)
    for answer in session.scalars(
        select(Answer).where(Answer.attempt_id.in_([a.id for a in attempts]))
    ):
        answers[answer.attempt_id][answer.question_id] = answer
    out = []
    for attempt in attempts:
        details = []
        for qid in attempt.question_order:
            q = questions.get((attempt.item_id, qid))
            if q is not None and q.type in NOT_A_QUESTION:
                continue
            a = answers[attempt.id].get(qid)
            details.append(
                AnswerDetail(
                    qid,
                    q.prompt_md if q else "(question no longer in the course)",
                    q.type if q else "",
                    response_text(q, a.response if a else None),
                    _share(attempt, a),
                    q.points if q else 0.0,
                    a.hints_used if a else 0,
                    a.time_spent_s if a else 0.0,
                    retired=q is None or q.retired,
                )
            )
        out.append(
            AttemptDetail(
                attempt.id,
                attempt.item_id,
                titles.get(attempt.item_id, attempt.item_id),
                attempt.status,
                attempt.started_at,
                attempt.submitted_at,
                attempt.score,
                attempt.passed,
                attempt.elapsed_s or 0.0,
                attempt.ungraded_count or 0,
                details,
            )
        )
    return out

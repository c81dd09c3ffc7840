"""Taking a quiz: start or resume an attempt, save answers durably, submit and review."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assess import grade_response
from app.courses.catalog import get_item
from app.db.models import Answer, Attempt, AttemptStatus, Course, ItemKind, Question
from app.events import Verb, activity_id, record_event


class AttemptError(ValueError):
    pass


@dataclass(frozen=True)
class QuestionView:
    """A question as the learner sees it: no answer key."""

    question_id: str
    type: str
    prompt_md: str
    points: float
    options: list[dict[str, str]]
    unit: str


@dataclass(frozen=True)
class AttemptView:
    attempt_id: str
    course_id: str
    item_id: str
    title: str
    status: AttemptStatus
    current_index: int
    questions: list[QuestionView]
    responses: dict[str, Any]


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    prompt_md: str
    response: Any
    earned: float
    points: float
    correct: bool
    feedback: str
    correct_answer: str
    # The question was removed from the quiz by a newer course version after this attempt.
    retired: bool = False


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: str
    score: float
    points: float
    max_points: float
    passed: bool
    passing_score: float
    questions: list[QuestionResult]


def _questions(session: Session, course_id: str, item_id: str) -> tuple[Any, list[Question]]:
    item = get_item(session, course_id, item_id)
    if item.kind != ItemKind.QUIZ or item.assessment is None:
        raise AttemptError(f"{item.title!r} is not a quiz")
    return item, [q for q in item.assessment.questions if not q.retired]


def start_or_resume(session: Session, user_id: str, course_id: str, item_id: str) -> AttemptView:
    """The learner's open attempt at this quiz, or a new one if none is open."""
    item, questions = _questions(session, course_id, item_id)
    attempt = session.scalar(
        select(Attempt).where(
            Attempt.user_id == user_id,
            Attempt.course_id == course_id,
            Attempt.item_id == item_id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
        )
    )
    if attempt is None:
        assert item.assessment is not None
        limit = item.assessment.max_attempts
        done = session.scalars(
            select(Attempt.id).where(
                Attempt.user_id == user_id,
                Attempt.course_id == course_id,
                Attempt.item_id == item_id,
            )
        ).all()
        if limit is not None and len(done) >= limit:
            raise AttemptError(f"All {limit} attempts at {item.title!r} have been used.")
        course = session.get(Course, course_id)
        assert course is not None
        attempt_id = str(uuid.uuid4())
        order = [q.question_id for q in questions]
        if item.assessment.shuffle_questions:
            # Seeded by the attempt, so a resumed attempt shows the same order.
            random.Random(attempt_id).shuffle(order)
        attempt = Attempt(
            id=attempt_id,
            user_id=user_id,
            course_id=course_id,
            item_id=item_id,
            course_version=course.version,
            status=AttemptStatus.IN_PROGRESS,
            question_order=order,
            current_index=0,
        )
        session.add(attempt)
        session.flush()
        record_event(
            session,
            user_id=user_id,
            verb=Verb.ATTEMPTED,
            course_id=course_id,
            course_version=course.version,
            object_id=activity_id(course_id, item_id),
            context={"attempt_id": attempt.id},
        )
    return _view(session, attempt, item.title, questions)


def shown_options(attempt_id: str, question: Question, shuffle: bool) -> list[dict[str, str]]:
    """A question's options as this attempt shows them (shuffled per attempt when asked)."""
    options = [{"id": o["id"], "text": o["text"]} for o in question.options]
    if shuffle:
        random.Random(f"{attempt_id}:{question.question_id}").shuffle(options)
    return options


def _view(session: Session, attempt: Attempt, title: str, questions: list[Question]) -> AttemptView:
    shuffle = bool(questions and questions[0].assessment.shuffle_options)
    by_id = {q.question_id: q for q in questions}
    ordered = [by_id[qid] for qid in attempt.question_order if qid in by_id]
    responses = {a.question_id: a.response for a in attempt.answers}
    return AttemptView(
        attempt.id,
        attempt.course_id,
        attempt.item_id,
        title,
        attempt.status,
        attempt.current_index,
        [
            QuestionView(
                q.question_id,
                q.type,
                q.prompt_md,
                q.points,
                shown_options(attempt.id, q, shuffle),
                str(q.key.get("unit", "")),
            )
            for q in ordered
        ],
        responses,
    )


def _open_attempt(session: Session, attempt_id: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptError(f"no attempt {attempt_id}")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptError("This attempt has already been submitted.")
    return attempt


def save_answer(session: Session, attempt_id: str, question_id: str, response: Any) -> None:
    """Store the learner's current answer; the caller's commit is what makes it "saved"."""
    attempt = _open_attempt(session, attempt_id)
    if question_id not in attempt.question_order:
        raise AttemptError(f"question {question_id!r} is not part of this attempt")
    answer = session.get(Answer, (attempt_id, question_id))
    if answer is not None and answer.response == response:
        return
    if answer is None:
        answer = Answer(attempt_id=attempt_id, question_id=question_id)
        session.add(answer)
    answer.response = response
    answer.updated_at = datetime.now(UTC)
    record_event(
        session,
        user_id=attempt.user_id,
        verb=Verb.ANSWERED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id, question_id),
        result={"response": response},
        context={"attempt_id": attempt_id},
    )


def set_position(session: Session, attempt_id: str, index: int) -> None:
    attempt = _open_attempt(session, attempt_id)
    attempt.current_index = max(0, min(index, len(attempt.question_order) - 1))


def submit(session: Session, attempt_id: str) -> AttemptResult:
    attempt = _open_attempt(session, attempt_id)
    item, questions = _questions(session, attempt.course_id, attempt.item_id)
    assert item.assessment is not None
    responses = {a.question_id: a for a in attempt.answers}
    earned_total = 0.0
    max_total = 0.0
    for q in questions:
        if q.question_id not in attempt.question_order:
            continue
        answer = responses.get(q.question_id)
        share = grade_response(q.type, q.key, answer.response if answer else None)
        if answer is not None:
            answer.score = share
        earned_total += share * q.points
        max_total += q.points
    score = earned_total / max_total if max_total else 0.0
    passed = score + 1e-9 >= item.assessment.passing_score
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = datetime.now(UTC)
    attempt.points, attempt.max_points = earned_total, max_total
    attempt.score, attempt.passed = score, passed
    record_event(
        session,
        user_id=attempt.user_id,
        verb=Verb.PASSED if passed else Verb.FAILED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id),
        result={
            "score_scaled": round(score, 6),
            "score_raw": earned_total,
            "score_max": max_total,
            "success": passed,
            "completion": True,
        },
        context={"attempt_id": attempt_id},
    )
    return review(session, attempt_id)


def review(session: Session, attempt_id: str) -> AttemptResult:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.status == AttemptStatus.IN_PROGRESS:
        raise AttemptError("Only a submitted attempt can be reviewed.")
    item = get_item(session, attempt.course_id, attempt.item_id)
    if item.assessment is None:
        raise AttemptError(f"{item.title!r} is not a quiz")
    # Every question the attempt showed, also those a newer course version has retired since:
    # the learner's answers to them stay part of the record.
    by_id = {q.question_id: q for q in item.assessment.questions}
    answers = {a.question_id: a for a in attempt.answers}
    results = []
    for qid in attempt.question_order:
        q = by_id.get(qid)
        if q is None:
            continue
        answer = answers.get(qid)
        share = answer.score if answer and answer.score is not None else 0.0
        correct = share >= 1.0 - 1e-9
        fb = q.feedback.get("correct" if correct else "incorrect", "")
        option_fb = _option_feedback(q, answer.response if answer else None)
        results.append(
            QuestionResult(
                qid,
                q.prompt_md,
                answer.response if answer else None,
                share * q.points,
                q.points,
                correct,
                "\n\n".join(f for f in (fb, option_fb) if f),
                describe_answer(q),
                q.retired,
            )
        )
    return AttemptResult(
        attempt.id,
        attempt.score or 0.0,
        attempt.points or 0.0,
        attempt.max_points or 0.0,
        bool(attempt.passed),
        item.assessment.passing_score,
        results,
    )


def _option_feedback(q: Question, response: Any) -> str:
    chosen = response if isinstance(response, list) else [response]
    return "\n\n".join(
        o.get("feedback", "") for o in q.options if o["id"] in chosen and o.get("feedback")
    )


def describe_answer(q: Question) -> str:
    """The correct answer in words, for the review page."""
    texts = {o["id"]: o["text"] for o in q.options}
    key = q.key
    if q.type == "single_choice":
        return texts.get(key["answer"], str(key["answer"]))
    if q.type == "multiple_choice":
        return "; ".join(texts.get(a, a) for a in key["answer"])
    if q.type == "true_false":
        return "True" if key["answer"] else "False"
    if q.type == "numeric":
        unit = f" {key['unit']}" if key.get("unit") else ""
        tol = f" (± {key['tolerance']:g})" if key.get("tolerance") else ""
        return f"{key['answer']:g}{unit}{tol}"
    if q.type == "short_answer":
        return " or ".join(key["answers"])
    return ""


def last_result(
    session: Session, user_id: str, course_id: str, item_id: str
) -> AttemptResult | None:
    attempt = session.scalar(
        select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.course_id == course_id,
            Attempt.item_id == item_id,
            Attempt.status != AttemptStatus.IN_PROGRESS,
        )
        .order_by(Attempt.submitted_at.desc())
    )
    return review(session, attempt.id) if attempt else None

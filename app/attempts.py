"""Taking a quiz: start or resume an attempt, save answers durably, submit and review."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assess import grade_response, is_auto_graded
from app.assess.describe import describe_correct_answer
from app.assess.public import learner_details
from app.courses.catalog import get_item
from app.db.models import (
    Answer,
    Assessment,
    Attempt,
    AttemptStatus,
    Course,
    ItemKind,
    Question,
)
from app.events import Verb, activity_id, record_event
from app.grading.feedback import TeacherGrade, teacher_grades


class AttemptError(ValueError):
    pass


# Which submitted attempt is the learner's result for the quiz.
ATTEMPT_POLICIES = ("best", "last", "average")
# When the correct answers and the author's feedback are shown to the learner.
FEEDBACK_TIMINGS = ("immediate", "after_submit", "after_due")
# A question type that asks nothing: it neither earns points nor waits for a teacher.
NOT_A_QUESTION = ("description",)


class ElapsedClock:
    """Time an attempt has been open: what earlier sessions stored plus this session's run.

    Counted with a monotonic clock, so moving the system clock back or forth changes nothing;
    time while Slate is closed is not counted (the store only ever holds time measured while
    the attempt was on screen). `clock` is injectable so tests can drive it.
    """

    def __init__(self, stored_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._stored = max(0.0, stored_s)
        self._started = clock()

    def elapsed(self) -> float:
        # max(): a monotonic clock never runs back, but an injected one might; never give time.
        return self._stored + max(0.0, self._clock() - self._started)

    def remaining(self, limit_s: float | None) -> float | None:
        return None if limit_s is None else max(0.0, limit_s - self.elapsed())


@dataclass(frozen=True)
class QuestionView:
    """A question as the learner sees it: no answer key."""

    question_id: str
    type: str
    prompt_md: str
    points: float
    options: list[dict[str, str]]
    unit: str
    hint_count: int = 0
    # What the widget needs besides options (matching stems, blanks, limits); never the key.
    details: dict[str, Any] = field(default_factory=dict)


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
    time_limit_s: int | None = None
    # Seconds already used in earlier sessions (see ElapsedClock).
    elapsed_s: float = 0.0
    due_at: datetime | None = None
    ask_confidence: bool = False
    feedback_timing: str = "after_submit"
    hints_used: dict[str, int] = field(default_factory=dict)
    confidence: dict[str, int] = field(default_factory=dict)


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
    # Waits for a teacher's grade (an essay, a file upload, ...): `earned` is 0 until then.
    awaiting_grading: bool = False
    hints_used: int = 0
    confidence: int | None = None
    time_spent_s: float = 0.0
    # A teacher's grade and comment for this answer, once there is one (app.grading).
    teacher: TeacherGrade | None = None


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: str
    score: float
    points: float
    max_points: float
    passed: bool
    passing_score: float
    questions: list[QuestionResult]
    status: AttemptStatus = AttemptStatus.SUBMITTED
    # How many questions wait for a teacher; `passed` is provisional while this is not 0.
    awaiting_grading: int = 0
    # Correct answers and feedback are withheld until this time (feedback timing after_due).
    feedback_hidden_until: datetime | None = None
    # The learner's result for the quiz under its attempt policy (best, last or average).
    counted_score: float | None = None
    attempt_policy: str = "best"


def _questions(session: Session, course_id: str, item_id: str) -> tuple[Any, list[Question]]:
    item = get_item(session, course_id, item_id)
    if item.kind != ItemKind.QUIZ or item.assessment is None:
        raise AttemptError(f"{item.title!r} is not a quiz")
    return item, [q for q in item.assessment.questions if not q.retired]


def _now() -> datetime:
    return datetime.now(UTC)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def availability_problem(assessment: Assessment, title: str, now: datetime) -> str | None:
    """Why a new attempt cannot start now, or None when it can."""
    if assessment.available_from is not None and now < assessment.available_from:
        return f"{title!r} opens on {_when(assessment.available_from)}; it cannot be started yet."
    if assessment.available_until is not None and now >= assessment.available_until:
        return (
            f"{title!r} closed on {_when(assessment.available_until)}; it can no longer be started."
        )
    return None


def draw_questions(attempt_id: str, assessment: Assessment, question_ids: list[str]) -> list[str]:
    """The questions an attempt shows, in its order: a pool draw and a shuffle, both seeded by
    the attempt id so they are fixed once the attempt is stored."""
    rng = random.Random(attempt_id)
    order = list(question_ids)
    if assessment.draw_count is not None and assessment.draw_count < len(order):
        chosen = set(rng.sample(order, assessment.draw_count))
        order = [qid for qid in order if qid in chosen]
    if assessment.shuffle_questions:
        rng.shuffle(order)
    return order


def start_or_resume(
    session: Session, user_id: str, course_id: str, item_id: str, *, now: datetime | None = None
) -> AttemptView:
    """The learner's open attempt at this quiz, or a new one if none is open.

    An open attempt resumes even after the availability window closed (it was started in
    time; its time limit still applies); a new one starts only inside the window.
    """
    item, questions = _questions(session, course_id, item_id)
    assessment = item.assessment
    assert assessment is not None
    attempt = session.scalar(
        select(Attempt).where(
            Attempt.user_id == user_id,
            Attempt.course_id == course_id,
            Attempt.item_id == item_id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
        )
    )
    if attempt is None:
        problem = availability_problem(assessment, item.title, now or datetime.now(UTC))
        if problem:
            raise AttemptError(problem)
        limit = assessment.max_attempts
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
        attempt = Attempt(
            id=attempt_id,
            user_id=user_id,
            course_id=course_id,
            item_id=item_id,
            course_version=course.version,
            status=AttemptStatus.IN_PROGRESS,
            # An adaptive attempt starts empty: app.adaptive_attempts appends each question
            # the engine picks, so the order is the administered sequence.
            question_order=(
                []
                if assessment.adaptive is not None
                else draw_questions(attempt_id, assessment, [q.question_id for q in questions])
            ),
            current_index=0,
            elapsed_s=0.0,
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


def _hints(question: Question) -> list[str]:
    hints = question.key.get("hints", [])
    return [str(h) for h in hints] if isinstance(hints, list) else []


def _view(session: Session, attempt: Attempt, title: str, questions: list[Question]) -> AttemptView:
    assessment = questions[0].assessment if questions else None
    shuffle = bool(assessment and assessment.shuffle_options)
    by_id = {q.question_id: q for q in questions}
    ordered = [by_id[qid] for qid in attempt.question_order if qid in by_id]
    answers = list(attempt.answers)
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
                len(_hints(q)),
                learner_details(q.type, q.key),
            )
            for q in ordered
        ],
        {a.question_id: a.response for a in answers if a.response is not None},
        time_limit_s=assessment.time_limit_s if assessment else None,
        elapsed_s=attempt.elapsed_s or 0.0,
        due_at=assessment.due_at if assessment else None,
        ask_confidence=bool(assessment and assessment.ask_confidence),
        feedback_timing=assessment.feedback_timing if assessment else "after_submit",
        hints_used={a.question_id: a.hints_used for a in answers if a.hints_used},
        confidence={a.question_id: a.confidence for a in answers if a.confidence is not None},
    )


def _open_attempt(session: Session, attempt_id: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptError(f"no attempt {attempt_id}")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptError("This attempt has already been submitted.")
    return attempt


def _answer_row(session: Session, attempt: Attempt, question_id: str) -> Answer:
    if question_id not in attempt.question_order:
        raise AttemptError(f"question {question_id!r} is not part of this attempt")
    answer = session.get(Answer, (attempt.id, question_id))
    if answer is None:
        answer = Answer(attempt_id=attempt.id, question_id=question_id, response=None)
        session.add(answer)
        attempt.answers.append(answer)
    return answer


def _note_elapsed(attempt: Attempt, elapsed_s: float | None) -> None:
    # Only ever forward: a stale or wrong figure cannot give the learner time back.
    if elapsed_s is not None:
        attempt.elapsed_s = max(attempt.elapsed_s or 0.0, float(elapsed_s))


def save_answer(
    session: Session,
    attempt_id: str,
    question_id: str,
    response: Any,
    *,
    confidence: int | None = None,
    elapsed_s: float | None = None,
) -> None:
    """Store the learner's current answer; the caller's commit is what makes it "saved".

    `elapsed_s` (the attempt's ElapsedClock) is stored with it, so a crash right after an
    answer loses no counted time.
    """
    attempt = _open_attempt(session, attempt_id)
    _note_elapsed(attempt, elapsed_s)
    if confidence is not None and not 1 <= confidence <= 5:
        raise AttemptError(f"confidence must be 1 to 5, not {confidence}")
    existing = session.get(Answer, (attempt_id, question_id))
    if existing is not None and existing.score is not None:
        # Only an adaptive attempt scores answers before submit (app.adaptive_attempts): the
        # engine has counted this one and chosen the next question from it.
        raise AttemptError("This answer has been counted; an adaptive test does not go back.")
    unchanged = existing is not None and existing.response == response
    if unchanged and (confidence is None or existing.confidence == confidence):  # type: ignore[union-attr]
        return
    answer = _answer_row(session, attempt, question_id)
    answer.response = response
    if confidence is not None:
        answer.confidence = confidence
    answer.updated_at = datetime.now(UTC)
    result: dict[str, Any] = {"response": response}
    if answer.confidence is not None:
        result["confidence"] = answer.confidence
    record_event(
        session,
        user_id=attempt.user_id,
        verb=Verb.ANSWERED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id, question_id),
        result=result,
        context={"attempt_id": attempt_id, "hints_used": answer.hints_used},
    )


def record_time(
    session: Session,
    attempt_id: str,
    elapsed_s: float,
    *,
    question_id: str | None = None,
    question_s: float = 0.0,
) -> None:
    """Persist the attempt's elapsed time, and add `question_s` to the time spent on a question."""
    attempt = _open_attempt(session, attempt_id)
    _note_elapsed(attempt, elapsed_s)
    if question_id is not None and question_s > 0:
        answer = _answer_row(session, attempt, question_id)
        answer.time_spent_s = (answer.time_spent_s or 0.0) + question_s


def take_hint(session: Session, attempt_id: str, question_id: str) -> str:
    """The next hint for a question; each one taken costs the quiz's hint penalty."""
    attempt = _open_attempt(session, attempt_id)
    question = _question(session, attempt, question_id)
    hints = _hints(question)
    answer = _answer_row(session, attempt, question_id)
    if answer.hints_used >= len(hints):
        raise AttemptError("There are no more hints for this question.")
    hint = hints[answer.hints_used]
    answer.hints_used += 1
    record_event(
        session,
        user_id=attempt.user_id,
        verb=Verb.EXPERIENCED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id, question_id),
        context={"attempt_id": attempt_id, "hints_used": answer.hints_used, "hint": True},
    )
    return hint


def _question(session: Session, attempt: Attempt, question_id: str) -> Question:
    _, questions = _questions(session, attempt.course_id, attempt.item_id)
    for q in questions:
        if q.question_id == question_id and question_id in attempt.question_order:
            return q
    raise AttemptError(f"question {question_id!r} is not part of this attempt")


def set_position(session: Session, attempt_id: str, index: int) -> None:
    attempt = _open_attempt(session, attempt_id)
    attempt.current_index = max(0, min(index, len(attempt.question_order) - 1))


def _penalised(share: float, hints_used: int, penalty: float) -> float:
    return share * max(0.0, 1.0 - penalty * hints_used)


def _refuse_overlong_essays(
    attempt: Attempt, questions: Sequence[Question], responses: Mapping[str, Answer]
) -> None:
    from app.assess.manual import essay_problem

    for q in questions:
        answer = responses.get(q.question_id)
        if q.type != "essay" or answer is None or not isinstance(answer.response, str):
            continue
        problem = essay_problem(answer.response, word_limit=(q.key or {}).get("word_limit"))
        if problem:
            number = attempt.question_order.index(q.question_id) + 1
            raise AttemptError(
                f"Question {number}: {problem}. Shorten it, then submit again; "
                f"your answer is saved."
            )


def submit(session: Session, attempt_id: str, *, elapsed_s: float | None = None) -> AttemptResult:
    """Grade and close the attempt. When its time limit is used up it closes as timed out.

    Questions no grader can mark (an essay, a file upload, ...) are left with score None for a
    teacher; the result counts them and `passed` stays provisional.
    """
    attempt = _open_attempt(session, attempt_id)
    _note_elapsed(attempt, elapsed_s)
    item, questions = _questions(session, attempt.course_id, attempt.item_id)
    assessment = item.assessment
    assert assessment is not None
    responses = {a.question_id: a for a in attempt.answers}
    timed_out = (
        assessment.time_limit_s is not None
        and (attempt.elapsed_s or 0.0) >= assessment.time_limit_s
    )
    if not timed_out:  # at expiry the attempt closes as it stands, whatever its length
        _refuse_overlong_essays(attempt, questions, responses)
    earned_total = 0.0
    max_total = 0.0
    ungraded = 0
    for q in questions:
        if q.question_id not in attempt.question_order or q.type in NOT_A_QUESTION:
            continue
        answer = responses.get(q.question_id)
        max_total += q.points
        if not is_auto_graded(q.type):
            ungraded += 1
            if answer is not None:
                answer.score = None
            continue
        share = grade_response(q.type, q.key, answer.response if answer else None)
        if answer is not None:
            answer.score = share
            share = _penalised(share, answer.hints_used, assessment.hint_penalty)
        earned_total += share * q.points
    score = earned_total / max_total if max_total else 0.0
    passed = score + 1e-9 >= assessment.passing_score
    attempt.status = AttemptStatus.TIMED_OUT if timed_out else AttemptStatus.SUBMITTED
    attempt.submitted_at = datetime.now(UTC)
    attempt.points, attempt.max_points = earned_total, max_total
    attempt.score, attempt.passed = score, passed
    attempt.ungraded_count = ungraded
    result: dict[str, Any] = {
        "score_scaled": round(score, 6),
        "score_raw": earned_total,
        "score_max": max_total,
        "completion": True,
    }
    if ungraded:
        # Not a pass or fail yet: a teacher still has to grade some answers.
        verb = Verb.COMPLETED
    else:
        verb = Verb.PASSED if passed else Verb.FAILED
        result["success"] = passed
    record_event(
        session,
        user_id=attempt.user_id,
        verb=verb,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id),
        result=result,
        context={
            "attempt_id": attempt_id,
            "status": attempt.status.value,
            "elapsed_s": round(attempt.elapsed_s or 0.0, 3),
            "awaiting_grading": ungraded,
            **_ability_context(attempt),
        },
    )
    return review(session, attempt_id)


def _ability_context(attempt: Attempt) -> dict[str, Any]:
    # An adaptive attempt's ability estimate (app.adaptive_attempts stores it before submit).
    if attempt.theta is None:
        return {}
    return {
        "theta": round(attempt.theta, 6),
        "theta_se": round(attempt.theta_se or 0.0, 6),
        "adaptive_stop": attempt.adaptive_stop,
    }


def counted_score(
    session: Session, user_id: str, course_id: str, item_id: str, policy: str
) -> float | None:
    """The learner's result for a quiz under its attempt policy: best, last or average."""
    rows = session.execute(
        select(Attempt.score)
        .where(
            Attempt.user_id == user_id,
            Attempt.course_id == course_id,
            Attempt.item_id == item_id,
            Attempt.status != AttemptStatus.IN_PROGRESS,
            Attempt.score.is_not(None),
        )
        .order_by(Attempt.submitted_at)
    ).all()
    scores = [float(r[0]) for r in rows if r[0] is not None]
    if not scores:
        return None
    if policy == "last":
        return scores[-1]
    if policy == "average":
        return sum(scores) / len(scores)
    return max(scores)


def review(session: Session, attempt_id: str, *, now: datetime | None = None) -> AttemptResult:
    """A submitted attempt question by question. With feedback timing after_due, the correct
    answers and feedback are withheld until the due date has passed."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.status == AttemptStatus.IN_PROGRESS:
        raise AttemptError("Only a submitted attempt can be reviewed.")
    item = get_item(session, attempt.course_id, attempt.item_id)
    assessment = item.assessment
    if assessment is None:
        raise AttemptError(f"{item.title!r} is not a quiz")
    hidden_until = None
    due = assessment.due_at
    if assessment.feedback_timing == "after_due" and due is not None and (now or _now()) < due:
        hidden_until = due
    # Every question the attempt showed, also those a newer course version has retired since:
    # the learner's answers to them stay part of the record.
    by_id = {q.question_id: q for q in assessment.questions}
    answers = {a.question_id: a for a in attempt.answers}
    graded = teacher_grades(session, attempt.id)
    results = []
    for qid in attempt.question_order:
        q = by_id.get(qid)
        if q is None or q.type in NOT_A_QUESTION:
            continue
        answer = answers.get(qid)
        response = answer.response if answer else None
        awaiting = not is_auto_graded(q.type) and (answer is None or answer.score is None)
        share = answer.score if answer and answer.score is not None else 0.0
        correct = share >= 1.0 - 1e-9
        hints_used = answer.hints_used if answer else 0
        earned = _penalised(share, hints_used, assessment.hint_penalty) * q.points
        if hidden_until is not None:
            feedback, correct_answer = "", ""
        else:
            fb = "" if awaiting else q.feedback.get("correct" if correct else "incorrect", "")
            option_fb = _option_feedback(q, response)
            feedback = "\n\n".join(f for f in (fb, option_fb) if f)
            correct_answer = describe_answer(q)
        results.append(
            QuestionResult(
                qid,
                q.prompt_md,
                response,
                earned,
                q.points,
                correct,
                feedback,
                correct_answer,
                q.retired,
                awaiting_grading=awaiting,
                hints_used=hints_used,
                confidence=answer.confidence if answer else None,
                time_spent_s=answer.time_spent_s if answer else 0.0,
                teacher=graded.get(qid),
            )
        )
    awaiting_total = sum(1 for r in results if r.awaiting_grading)
    return AttemptResult(
        attempt.id,
        attempt.score or 0.0,
        attempt.points or 0.0,
        attempt.max_points or 0.0,
        bool(attempt.passed),
        assessment.passing_score,
        results,
        status=attempt.status,
        awaiting_grading=awaiting_total,
        feedback_hidden_until=hidden_until,
        counted_score=counted_score(
            session, attempt.user_id, attempt.course_id, attempt.item_id, assessment.attempt_policy
        ),
        attempt_policy=assessment.attempt_policy,
    )


def check_answer(session: Session, attempt_id: str, question_id: str) -> QuestionResult | None:
    """With feedback timing "immediate": how the saved answer to one question fares, during the
    attempt. None when the quiz's timing keeps feedback for later or a teacher grades it."""
    attempt = _open_attempt(session, attempt_id)
    question = _question(session, attempt, question_id)
    if question.assessment.feedback_timing != "immediate" or not is_auto_graded(question.type):
        return None
    answer = session.get(Answer, (attempt_id, question_id))
    response = answer.response if answer else None
    share = grade_response(question.type, question.key, response)
    correct = share >= 1.0 - 1e-9
    fb = question.feedback.get("correct" if correct else "incorrect", "")
    option_fb = _option_feedback(question, response)
    hints_used = answer.hints_used if answer else 0
    return QuestionResult(
        question_id,
        question.prompt_md,
        response,
        _penalised(share, hints_used, question.assessment.hint_penalty) * question.points,
        question.points,
        correct,
        "\n\n".join(f for f in (fb, option_fb) if f),
        describe_answer(question),
        hints_used=hints_used,
    )


def _option_feedback(q: Question, response: Any) -> str:
    chosen = response if isinstance(response, list) else [response]
    return "\n\n".join(
        o.get("feedback", "") for o in q.options if o["id"] in chosen and o.get("feedback")
    )


def describe_answer(q: Question) -> str:
    """The correct answer in words, for the review page."""
    return describe_correct_answer(q.type, q.key, q.options)


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

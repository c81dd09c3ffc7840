"""Taking an adaptive quiz: the engine (app.adaptive) picks each next question from the answers so
far, and the attempt stops at the quiz's standard-error threshold or its most questions.

The durable state is what every attempt already writes, so nothing new can be lost:
- `attempt.question_order` is the administered sequence. The question on screen (the *pending*
  one) is appended, and committed, before it is shown, so a resumed attempt shows it again.
- The answers: the learner's response is saved on each change (app.attempts.save_answer, as in
  any quiz); moving on commits it (`commit_answer`), which grades it with app.assess and stores
  the share as `Answer.score`. An answer with a score is a response the engine has counted.
The ability estimate is re-derived from those rows on every call (AdaptiveSession replays the
responses on the same grid), so the same responses always give the same theta. `attempt.theta`
and `theta_se` are copies for reports and events. Parameters are read from the questions when the
estimate is derived: calibration that arrives mid-attempt applies from then on.

Everything else (availability, attempt limits, the time limit, hints, time per question, submit
and review) is app.attempts, unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import attempts
from app.adaptive.bank import AdaptiveBank
from app.adaptive.irt import ItemParameters
from app.adaptive.params import effective_parameters
from app.adaptive.report import describe_ability, questions_left
from app.adaptive.session import AdaptiveConfig, AdaptiveSession
from app.assess import grade_response
from app.courses.catalog import get_item
from app.db.models import Answer, Assessment, Attempt, AttemptStatus, Question
from app.events import Verb, activity_id, record_event

# The engine's right/wrong: full credit (partial credit counts as wrong, as in a 2-category model).
FULL_CREDIT = 1.0 - 1e-9
STOP_TIME_LIMIT = "time_limit"
STOP_ENDED = "ended_early"


@dataclass(frozen=True)
class AdaptiveStatus:
    asked: int  # answers the engine has counted
    number: int  # the number of the question on screen (1-based); `asked` once finished
    about_left: int  # about how many more after the one on screen
    theta: float
    se: float
    stop_reason: str | None

    @property
    def finished(self) -> bool:
        return self.stop_reason is not None


@dataclass(frozen=True)
class AdaptiveView:
    attempt: attempts.AttemptView
    current: attempts.QuestionView | None  # None once the test has stopped
    status: AdaptiveStatus


@dataclass(frozen=True)
class AdaptiveResult:
    result: attempts.AttemptResult
    theta: float
    se: float
    stop_reason: str | None
    asked: int
    correct: int
    ability_text: str

    @property
    def proportion_correct(self) -> float:
        return self.correct / self.asked if self.asked else 0.0


def adaptive_rules(session: Session, course_id: str, item_id: str) -> dict[str, Any] | None:
    """The quiz's `adaptive` settings, or None for a quiz with a fixed or pooled list."""
    item = get_item(session, course_id, item_id)
    return item.assessment.adaptive if item.assessment is not None else None


def start_or_resume_adaptive(
    session: Session, user_id: str, course_id: str, item_id: str, **kwargs: Any
) -> AdaptiveView:
    """The learner's open adaptive attempt (at the question it showed last) or a new one."""
    if adaptive_rules(session, course_id, item_id) is None:
        raise attempts.AttemptError("This quiz is not adaptive.")
    view = attempts.start_or_resume(session, user_id, course_id, item_id, **kwargs)
    attempt = _attempt(session, view.attempt_id)
    state = _derive(session, attempt)
    return _advance(session, attempt, state)


def current_view(session: Session, attempt_id: str) -> AdaptiveView:
    attempt = _attempt(session, attempt_id)
    return _view(session, attempt, _derive(session, attempt))


def commit_answer(
    session: Session, attempt_id: str, question_id: str, *, elapsed_s: float | None = None
) -> AdaptiveView:
    """Grade the saved answer to the question on screen, update the estimate and pick the next
    question (or stop), with an event, all in the caller's transaction."""
    attempt = _open(session, attempt_id)
    attempts._note_elapsed(attempt, elapsed_s)
    state = _derive(session, attempt)
    if state.pending is None:
        raise attempts.AttemptError("This test has no question waiting for an answer.")
    if question_id != state.pending:
        raise attempts.AttemptError(
            f"answer to question {question_id!r}, but the question shown is {state.pending!r}"
        )
    answer = session.get(Answer, (attempt_id, question_id))
    if answer is None or answer.response is None:
        raise attempts.AttemptError("Answer this question before moving on.")
    _count(session, attempt, state, answer)
    return _advance(session, attempt, state)


def submit_adaptive(
    session: Session, attempt_id: str, *, elapsed_s: float | None = None
) -> AdaptiveResult:
    """Close the attempt: a saved answer to the question on screen is counted (as in any quiz,
    an answer shown as saved is never lost); a question left unanswered is dropped from it."""
    attempt = _open(session, attempt_id)
    attempts._note_elapsed(attempt, elapsed_s)
    state = _derive(session, attempt)
    if state.pending is not None:
        answer = session.get(Answer, (attempt_id, state.pending))
        if answer is not None and answer.response is not None:
            _count(session, attempt, state, answer)
        else:
            attempt.question_order = [q for q in attempt.question_order if q != state.pending]
            if answer is not None:  # hints or time without a response
                answer.score = None
            state.pending = None
    limit = _assessment(session, attempt).time_limit_s
    if state.stop_reason is not None:
        attempt.adaptive_stop = state.stop_reason
    elif limit is not None and (attempt.elapsed_s or 0.0) >= limit:
        attempt.adaptive_stop = STOP_TIME_LIMIT
    else:
        attempt.adaptive_stop = STOP_ENDED
    attempt.theta, attempt.theta_se = state.theta, state.se
    attempt.current_index = max(0, len(attempt.question_order) - 1)
    attempts.submit(session, attempt_id)
    return adaptive_review(session, attempt_id)


def adaptive_review(session: Session, attempt_id: str, **kwargs: Any) -> AdaptiveResult:
    """A submitted adaptive attempt: app.attempts.review plus the ability estimate."""
    result = attempts.review(session, attempt_id, **kwargs)
    attempt = _attempt(session, attempt_id)
    theta, se = attempt.theta or 0.0, attempt.theta_se or 0.0
    correct = sum(1 for q in result.questions if q.correct)
    return AdaptiveResult(
        result,
        theta,
        se,
        attempt.adaptive_stop,
        len(result.questions),
        correct,
        describe_ability(theta, se),
    )


# --- internals ---------------------------------------------------------------------------------


def _attempt(session: Session, attempt_id: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise attempts.AttemptError(f"no attempt {attempt_id}")
    return attempt


def _open(session: Session, attempt_id: str) -> Attempt:
    attempt = _attempt(session, attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise attempts.AttemptError("This attempt has already been submitted.")
    return attempt


def _assessment(session: Session, attempt: Attempt) -> Assessment:
    assessment = get_item(session, attempt.course_id, attempt.item_id).assessment
    if assessment is None or assessment.adaptive is None:
        raise attempts.AttemptError("This quiz is not adaptive.")
    return assessment


def _seed(attempt_id: str) -> int:
    # Fixed by the attempt id, so a resumed attempt draws the same items as it would have.
    return int.from_bytes(hashlib.sha256(attempt_id.encode()).digest()[:8], "big")


def _bank(questions: list[Question], rules: dict[str, Any]) -> AdaptiveBank:
    model = str(rules.get("model", "2PL"))
    params = [effective_parameters(q, model) for q in questions]
    a, b, c = (list(column) for column in zip(*params, strict=True))
    topics = None
    if rules.get("topic_targets") is not None:
        topics = [q.topic or "" for q in questions]
    return AdaptiveBank.build(
        [q.question_id for q in questions], ItemParameters.three_pl(a, b, c), topics
    )


def _config(rules: dict[str, Any]) -> AdaptiveConfig:
    return AdaptiveConfig(
        max_items=int(rules.get("max_length", 20)),
        min_items=int(rules.get("min_length", 1)),
        se_threshold=None if rules.get("se_stop") is None else float(rules["se_stop"]),
        randomesque=int(rules.get("randomesque", 5)),
        topic_targets=rules.get("topic_targets"),
    )


def _derive(session: Session, attempt: Attempt) -> AdaptiveSession:
    """The engine's state, replayed from the administered sequence and the counted answers."""
    assessment = _assessment(session, attempt)
    rules = assessment.adaptive or {}
    order = list(attempt.question_order)
    # The bank: the quiz's current questions, plus any given in this attempt that a newer course
    # version has retired since (the record stays whole).
    questions = [q for q in assessment.questions if not q.retired or q.question_id in order]
    answers = {a.question_id: a for a in attempt.answers}
    counted = [qid for qid in order if answers.get(qid) and answers[qid].score is not None]
    if counted != order[: len(counted)] or len(order) - len(counted) > 1:
        raise attempts.AttemptError(
            f"attempt {attempt.id}: the stored answers do not follow the administered questions"
        )
    pending = order[len(counted)] if len(order) > len(counted) else None
    responses = [bool((answers[qid].score or 0.0) >= FULL_CREDIT) for qid in counted]
    return AdaptiveSession(
        _bank(questions, rules),
        _config(rules),
        _seed(attempt.id),
        items=counted,
        responses=responses,
        pending=pending,
    )


def _count(session: Session, attempt: Attempt, state: AdaptiveSession, answer: Answer) -> None:
    questions = _assessment(session, attempt).questions
    question = next(q for q in questions if q.question_id == answer.question_id)
    share = grade_response(question.type, question.key, answer.response)
    answer.score = share
    correct = share >= FULL_CREDIT
    state.record(answer.question_id, correct)
    attempt.theta, attempt.theta_se = state.theta, state.se
    record_event(
        session,
        user_id=attempt.user_id,
        verb=Verb.ANSWERED,
        course_id=attempt.course_id,
        course_version=attempt.course_version,
        object_id=activity_id(attempt.course_id, attempt.item_id, answer.question_id),
        result={"response": answer.response, "success": correct, "score_scaled": round(share, 6)},
        context={
            "attempt_id": attempt.id,
            "adaptive": True,
            "number": len(state.items),
            "theta": round(state.theta, 6),
            "theta_se": round(state.se, 6),
        },
    )


def _advance(session: Session, attempt: Attempt, state: AdaptiveSession) -> AdaptiveView:
    """Show the next question (chosen and stored before it is shown), or note that it stopped."""
    if state.pending is None and not state.finished:
        chosen = state.next_item()
        assert chosen is not None
        attempt.question_order = [*attempt.question_order, chosen]
        attempt.current_index = len(attempt.question_order) - 1
    attempt.theta, attempt.theta_se = state.theta, state.se
    attempt.adaptive_stop = state.stop_reason if state.pending is None else None
    session.flush()
    return _view(session, attempt, state)


def _view(session: Session, attempt: Attempt, state: AdaptiveSession) -> AdaptiveView:
    _, questions = attempts._questions(session, attempt.course_id, attempt.item_id)
    item = get_item(session, attempt.course_id, attempt.item_id)
    view = attempts._view(session, attempt, item.title, questions)
    current = None
    if state.pending is not None:
        current = next((q for q in view.questions if q.question_id == state.pending), None)
    asked = len(state.items)
    status = AdaptiveStatus(
        asked=asked,
        number=asked + (1 if state.pending is not None else 0),
        about_left=questions_left(state),
        theta=state.theta,
        se=state.se,
        stop_reason=None if state.pending is not None else state.stop_reason,
    )
    return AdaptiveView(view, current, status)

"""Carrying a grade into an attempt: the answer's share and the attempt's totals.

The teacher's grade replaces the answer's earned share (`Answer.score`, before any hint
penalty, like an automatic grade), then the attempt's points, score, pass and count of answers
still awaiting a teacher are summed again the way `app.attempts.submit` sums them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.assess import is_auto_graded
from app.attempts import NOT_A_QUESTION
from app.courses.catalog import get_item
from app.db.models import Answer, Attempt, AttemptStatus


def apply_teacher_share(session: Session, attempt_id: str, question_id: str, share: float) -> None:
    """Set an answer's share from a teacher's grade; nothing when the attempt is elsewhere."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        return
    answer = session.get(Answer, (attempt_id, question_id))
    if answer is None:
        # A question left blank can still be graded (zero, or points for what was said aloud).
        answer = Answer(attempt_id=attempt_id, question_id=question_id, response=None)
        session.add(answer)
        attempt.answers.append(answer)
    answer.score = max(0.0, min(1.0, share))
    session.flush()
    retotal_attempt(session, attempt)


def retotal_attempt(session: Session, attempt: Attempt) -> None:
    """Sum a submitted attempt again from its answers' shares."""
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return
    item = get_item(session, attempt.course_id, attempt.item_id)
    assessment = item.assessment
    if assessment is None:
        return
    by_id = {q.question_id: q for q in assessment.questions}
    answers = {a.question_id: a for a in attempt.answers}
    earned = maximum = 0.0
    ungraded = 0
    for qid in attempt.question_order:
        question = by_id.get(qid)
        if question is None or question.type in NOT_A_QUESTION:
            continue
        maximum += question.points
        answer = answers.get(qid)
        if answer is None or answer.score is None:
            if not is_auto_graded(question.type):
                ungraded += 1
            continue
        penalty = max(0.0, 1.0 - assessment.hint_penalty * answer.hints_used)
        earned += answer.score * penalty * question.points
    score = earned / maximum if maximum else 0.0
    attempt.points, attempt.max_points = earned, maximum
    attempt.score = score
    attempt.passed = score + 1e-9 >= assessment.passing_score
    attempt.ungraded_count = ungraded

"""Item analysis of one quiz: how hard each question is, how well it separates stronger from
weaker learners, which options were chosen, and which keys are probably wrong.

Classical test theory, on each learner's FIRST submitted attempt by default (later attempts
come after feedback, and would make every question look easier than it is):

- difficulty: the mean share earned (the proportion correct, for a right/wrong question);
- discrimination: the point-biserial correlation of the question's share with the learner's
  rest-score (the score on the OTHER questions), so a question is not correlated with itself;
- distractors: how many learners chose each option, overall and among the upper and lower
  groups (the top and bottom 27% by total score, Kelley's classic split).

A key is flagged as probably wrong when the question discriminates negatively and the upper
group chose some other option more often than the key: the strongest learners agree on an
answer the key calls wrong. The rows come from SQLite in one query; numpy does the statistics.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.permissions import COURSE_READ, require
from app.analytics.gradebook import GradebookError
from app.assess import is_auto_graded
from app.db.models import Answer, Assessment, Attempt, AttemptStatus, Item, Module, Question

# Kelley (1939): the upper and lower 27% give the sharpest contrast for a normal spread.
GROUP_SHARE = 0.27
# Below this many learners the statistics say too little to flag anything.
MIN_LEARNERS_TO_FLAG = 5
VERY_HARD = 0.2
VERY_EASY = 0.95
WEAK_DISCRIMINATION = 0.2


@dataclass(frozen=True)
class OptionCount:
    option_id: str
    text: str
    is_key: bool
    chosen: int
    chosen_upper: int
    chosen_lower: int


@dataclass(frozen=True)
class ItemStats:
    question_id: str
    prompt: str
    type: str
    responses: int
    # Mean share earned, 0..1 (the proportion correct for a right/wrong question).
    difficulty: float | None
    # Point-biserial correlation with the rest-score; None when either side does not vary.
    discrimination: float | None
    options: list[OptionCount] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # The option the strongest learners preferred over the key, when the key looks wrong.
    suspected_key: str | None = None

    @property
    def key_probably_wrong(self) -> bool:
        return self.suspected_key is not None


@dataclass(frozen=True)
class ItemAnalysis:
    course_id: str
    item_id: str
    title: str
    learners: int
    # Cronbach's alpha over the questions: how consistently the quiz measures one thing.
    reliability: float | None
    items: list[ItemStats]


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2 or float(np.std(x)) == 0.0 or float(np.std(y)) == 0.0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _key_options(question: Question) -> set[str]:
    answer = question.key.get("answer")
    if isinstance(answer, list):
        return {str(a) for a in answer}
    return set() if answer is None else {str(answer)}


def _chosen(response: Any) -> list[str]:
    if isinstance(response, list):
        return [str(r) for r in response]
    return [] if response is None or response == "" else [str(response)]


def _alpha(matrix: np.ndarray) -> float | None:
    learners, items = matrix.shape
    if learners < 2 or items < 2:
        return None
    total_var = float(np.var(matrix.sum(axis=1), ddof=1))
    if total_var == 0.0:
        return None
    item_vars = float(np.var(matrix, axis=0, ddof=1).sum())
    return items / (items - 1) * (1.0 - item_vars / total_var)


def _rows(session: Session, course_id: str, item_id: str, first_only: bool) -> tuple[Any, Any]:
    """(attempt id, question id, share, response) of the attempts to analyse."""
    attempts = select(Attempt.id, Attempt.user_id, Attempt.question_order).where(
        Attempt.course_id == course_id,
        Attempt.item_id == item_id,
        Attempt.status != AttemptStatus.IN_PROGRESS,
    )
    if first_only:
        first = (
            select(Attempt.user_id, func.min(Attempt.submitted_at).label("first_at"))
            .where(
                Attempt.course_id == course_id,
                Attempt.item_id == item_id,
                Attempt.status != AttemptStatus.IN_PROGRESS,
            )
            .group_by(Attempt.user_id)
            .subquery()
        )
        attempts = attempts.join(
            first,
            (first.c.user_id == Attempt.user_id) & (first.c.first_at == Attempt.submitted_at),
        )
    chosen = {aid: order for aid, _uid, order in session.execute(attempts)}
    answers = session.execute(
        select(Answer.attempt_id, Answer.question_id, Answer.score, Answer.response).where(
            Answer.attempt_id.in_(list(chosen))
        )
    ).all()
    return chosen, answers


def analyse_items(
    session: Session,
    course_id: str,
    item_id: str,
    *,
    actor_id: str | None = None,
    first_attempt_only: bool = True,
) -> ItemAnalysis:
    if actor_id is not None:
        require(session, actor_id, COURSE_READ, course_id=course_id)
    found = session.execute(
        select(Item.title, Assessment.pk)
        .join(Assessment, Assessment.item_pk == Item.pk)
        .where(Item.course_id == course_id, Item.item_id == item_id)
    ).first()
    if found is None:
        raise GradebookError(f"there is no quiz {item_id!r} in course {course_id!r}")
    title, assessment_pk = found
    questions = [
        q
        for q in session.scalars(
            select(Question)
            .where(Question.assessment_pk == assessment_pk, Question.retired.is_(False))
            .order_by(Question.position)
        )
        if is_auto_graded(q.type)
    ]
    orders, answers = _rows(session, course_id, item_id, first_attempt_only)
    attempt_ids = sorted(orders)
    row_of = {aid: n for n, aid in enumerate(attempt_ids)}
    col_of = {q.question_id: n for n, q in enumerate(questions)}
    # share[learner, question]; NaN where the attempt did not show the question (pool draws).
    share = np.full((len(attempt_ids), len(questions)), np.nan)
    for aid, order in orders.items():
        for qid in order:
            if qid in col_of:
                share[row_of[aid], col_of[qid]] = 0.0  # shown but unanswered earns nothing
    responses: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for aid, qid, score, response in answers:
        if qid in col_of and aid in row_of:
            if score is not None:
                share[row_of[aid], col_of[qid]] = float(score)
            responses[qid][aid] = _chosen(response)
    points = np.array([q.points for q in questions], dtype=float)
    earned = np.nan_to_num(share) * points
    totals = earned.sum(axis=1)
    upper, lower = _groups(attempt_ids, totals)
    stats = [
        _item_stats(q, share[:, n], totals - earned[:, n], attempt_ids, responses, upper, lower)
        for n, q in enumerate(questions)
    ]
    complete = share[~np.isnan(share).any(axis=1)] if len(questions) else share
    return ItemAnalysis(course_id, item_id, title, len(attempt_ids), _alpha(complete), stats)


def _groups(attempt_ids: list[str], totals: np.ndarray) -> tuple[set[str], set[str]]:
    size = max(1, math.ceil(GROUP_SHARE * len(attempt_ids))) if len(attempt_ids) >= 2 else 0
    ranked = [attempt_ids[i] for i in np.argsort(-totals, kind="stable")]
    return set(ranked[:size]), set(ranked[-size:] if size else [])


def _item_stats(
    q: Question,
    shares: np.ndarray,
    rest: np.ndarray,
    attempt_ids: list[str],
    responses: dict[str, dict[str, list[str]]],
    upper: set[str],
    lower: set[str],
) -> ItemStats:
    shown = ~np.isnan(shares)
    x, y = shares[shown], rest[shown]
    difficulty = float(x.mean()) if len(x) else None
    discrimination = _correlation(x, y)
    keys = _key_options(q)
    chosen_by = responses.get(q.question_id, {})
    options = []
    for option in q.options:
        oid = str(option["id"])
        takers = {aid for aid, picks in chosen_by.items() if oid in picks}
        options.append(
            OptionCount(
                oid,
                str(option.get("text", oid)),
                oid in keys,
                len(takers),
                len(takers & upper),
                len(takers & lower),
            )
        )
    flags: list[str] = []
    suspected = None
    enough = len(x) >= MIN_LEARNERS_TO_FLAG
    if enough and difficulty is not None:
        if difficulty < VERY_HARD:
            flags.append("very hard: few learners earn its points")
        elif difficulty > VERY_EASY:
            flags.append("very easy: almost everyone earns its points")
    if enough and discrimination is not None:
        if discrimination < 0:
            flags.append("negative discrimination: weaker learners do better on it")
        elif discrimination < WEAK_DISCRIMINATION:
            flags.append("weak discrimination: it hardly separates stronger and weaker learners")
        key_upper = max((o.chosen_upper for o in options if o.is_key), default=0)
        rivals = [o for o in options if not o.is_key and o.chosen_upper > key_upper]
        if discrimination < 0 and rivals:
            best = max(rivals, key=lambda o: o.chosen_upper)
            suspected = best.option_id
            flags.append(
                f"key probably wrong: {best.chosen_upper} of {len(upper)} of the strongest "
                f"learners chose {best.text!r}, more than chose the key"
            )
    return ItemStats(
        q.question_id,
        q.prompt_md,
        q.type,
        int(shown.sum()),
        difficulty,
        discrimination,
        options,
        flags,
        suspected,
    )


def quiz_item_ids(session: Session, course_id: str) -> list[tuple[str, str]]:
    """(item id, title) of the course's quizzes, for choosing one to analyse."""
    return [
        (item_id, title)
        for item_id, title in session.execute(
            select(Item.item_id, Item.title)
            .join(Assessment, Assessment.item_pk == Item.pk)
            .join(Module, Module.pk == Item.module_pk)
            .where(Item.course_id == course_id, Item.retired.is_(False))
            .order_by(Module.position, Item.position)
        )
    ]

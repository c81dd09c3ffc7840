"""Item analysis on a constructed class whose answers make every statistic known in advance.

Twenty learners, ranked 0 (weakest) to 19 (strongest). q3's key says "a", but its real answer
is "c": the strong half all choose "c" (marked wrong), the weak half choose "a" or "d", so
the question discriminates negatively and the strongest learners agree on a distractor.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from app.accounts.permissions import PermissionDenied
from app.analytics.gradebook import GradebookError
from app.analytics.items import analyse_items, quiz_item_ids
from app.db.store import Store
from tests.analytics.course import (
    COURSE_ID,
    add_people,
    choice,
    import_test_course,
    make_class,
    take_quiz,
)

LEARNERS = 20


def design(rank: int) -> dict[str, str]:
    return {
        "q1": "b" if rank >= 6 else "a",
        "q2": "b" if rank >= 10 else "c",
        "q3": "c" if rank >= 10 else ("a" if rank % 2 == 0 else "d"),
        "q4": "b",
        "q5": "b" if rank >= 14 else "d",
    }


KEYS = {"q1": "b", "q2": "b", "q3": "a", "q4": "b", "q5": "b"}


def shares(rank: int) -> dict[str, float]:
    return {q: float(a == KEYS[q]) for q, a in design(rank).items()}


@pytest.fixture
def analysed_class(store: Store, tmp_path: Path) -> tuple[Store, dict[str, str]]:
    questions = [choice(q, answer=KEYS[q]) for q in KEYS]
    import_test_course(store, tmp_path / "c", quizzes={"items": (questions, {})})
    people = add_people(store, *(f"Learner {n:02d}" for n in range(LEARNERS)))
    people |= add_people(store, "Tess", role="teacher")
    make_class(store, people["Tess"], [people[f"Learner {n:02d}"] for n in range(LEARNERS)])
    for rank in range(LEARNERS):
        take_quiz(store, people[f"Learner {rank:02d}"], "items", design(rank))
    # A second attempt, all correct, after feedback: not part of a first-attempt analysis.
    take_quiz(store, people["Learner 00"], "items", KEYS)
    return store, people


def test_difficulty_discrimination_and_distractors_match_the_design(analysed_class):
    store, people = analysed_class
    with store.read() as session:
        analysis = analyse_items(session, COURSE_ID, "items", actor_id=people["Tess"])
    assert analysis.learners == LEARNERS
    stats = {s.question_id: s for s in analysis.items}

    for qid in KEYS:
        expected_p = statistics.fmean(shares(r)[qid] for r in range(LEARNERS))
        assert stats[qid].difficulty == pytest.approx(expected_p)
    assert stats["q1"].difficulty == pytest.approx(0.7)

    # Point-biserial against the rest-score, computed independently of numpy.
    for qid in ("q1", "q2", "q3", "q5"):
        item = [shares(r)[qid] for r in range(LEARNERS)]
        rest = [sum(v for q, v in shares(r).items() if q != qid) for r in range(LEARNERS)]
        assert stats[qid].discrimination == pytest.approx(statistics.correlation(item, rest))
    assert stats["q1"].discrimination > 0.3
    assert stats["q3"].discrimination < 0
    # Everyone right: nothing to correlate.
    assert stats["q4"].discrimination is None

    counts = {o.option_id: o.chosen for o in stats["q3"].options}
    assert counts == {"a": 5, "b": 0, "c": 10, "d": 5}
    c = next(o for o in stats["q3"].options if o.option_id == "c")
    assert c.chosen_upper == 6 and c.chosen_lower == 0  # upper group: ceil(27% of 20) = 6


def test_only_the_miskeyed_question_is_flagged_as_a_wrong_key(analysed_class):
    store, _ = analysed_class
    with store.read() as session:
        stats = {s.question_id: s for s in analyse_items(session, COURSE_ID, "items").items}
    assert [q for q, s in stats.items() if s.key_probably_wrong] == ["q3"]
    assert stats["q3"].suspected_key == "c"
    assert any("key probably wrong" in f and "Option C" in f for f in stats["q3"].flags)
    assert any(f.startswith("very easy") for f in stats["q4"].flags)
    assert not stats["q1"].flags


def test_all_attempts_can_be_analysed_too(analysed_class):
    store, _ = analysed_class
    with store.read() as session:
        analysis = analyse_items(session, COURSE_ID, "items", first_attempt_only=False)
    assert analysis.learners == LEARNERS + 1
    q1 = next(s for s in analysis.items if s.question_id == "q1")
    assert q1.difficulty == pytest.approx(15 / 21)


def test_refusals_and_unknown_quizzes(analysed_class):
    store, people = analysed_class
    with store.read() as session:
        with pytest.raises(PermissionDenied):
            analyse_items(session, COURSE_ID, "items", actor_id=people["Learner 03"])
        with pytest.raises(GradebookError, match="no quiz 'nope'"):
            analyse_items(session, COURSE_ID, "nope")
        assert quiz_item_ids(session, COURSE_ID) == [("items", "Quiz items")]

"""A newer course version imported by hand (the ordinary importer, as `slate course import` and
the GUI use it) keeps the parameters calibrated on the server for questions whose stable id
survives, unless the package itself gives `irt` values; `params_calibrated_at` stays truthful."""

from __future__ import annotations

from typing import Any

from app.adaptive.params import apply_item_params, effective_parameters
from app.db.models import Question
from app.db.store import Store
from tests.adaptive_quiz.adaptive_course import RIGHT, adaptive_questions
from tests.adaptive_quiz.conftest import MakeAdaptive
from tests.attempts.quiz_course import COURSE_ID, choice_question

STAMP = "2026-12-01T10:00:00Z"
CALIBRATED = {
    "a00": {"a": 0.7, "b": -1.3},
    "a01": {"a": 2.1, "b": 0.4},
    "a02": {"a": 1.2, "b": 1.9},
}


def _questions(store: Store) -> dict[str, Question]:
    with store.read() as s:
        return {q.question_id: q for q in s.query(Question).all()}


def _params(q: Question) -> tuple[float | None, float | None, float | None]:
    return q.irt_a, q.irt_b, q.irt_c


def _without_irt(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in q.items() if k != "irt"} for q in questions]


def _calibrate(store: Store) -> None:
    with store.write() as s:
        assert apply_item_params(s, COURSE_ID, CALIBRATED, calibrated_at=STAMP) == 3


def test_a_newer_version_without_irt_keeps_calibrated_parameters(
    make_adaptive: MakeAdaptive,
) -> None:
    store = make_adaptive(version="1.0.0")
    _calibrate(store)
    # v2: no irt blocks at all, a02 is gone, a new question arrives.
    v2 = [q for q in _without_irt(adaptive_questions()) if q["id"] != "a02"]
    v2.append(choice_question("new", RIGHT, difficulty="hard"))
    make_adaptive(version="2.0.0", questions=v2)

    questions = _questions(store)
    for qid in ("a00", "a01"):
        q = questions[qid]
        assert not q.retired
        assert _params(q) == (CALIBRATED[qid]["a"], CALIBRATED[qid]["b"], 0.0)
        assert q.params_calibrated_at == STAMP
        assert effective_parameters(q, "2PL") == (CALIBRATED[qid]["a"], CALIBRATED[qid]["b"], 0.0)
    # Never calibrated: v1's author values went with v1's irt block; no stamp claims otherwise.
    assert _params(questions["a03"]) == (None, None, None)
    assert questions["a03"].params_calibrated_at is None
    new = questions["new"]
    assert _params(new) == (None, None, None) and new.params_calibrated_at is None
    assert effective_parameters(new, "2PL") == (1.0, 1.0, 0.0)  # from its difficulty label
    # Retired: not part of v2; its row (kept for learners' history) is left as it was.
    assert questions["a02"].retired
    assert questions["a02"].params_calibrated_at == STAMP


def test_explicit_irt_in_the_newer_version_wins_and_clears_the_stamp(
    make_adaptive: MakeAdaptive,
) -> None:
    store = make_adaptive(version="1.0.0")
    _calibrate(store)
    v2 = _without_irt(adaptive_questions())
    v2[0] = {**v2[0], "irt": {"a": 1.9, "b": -0.2}}  # a00: the author's new values
    make_adaptive(version="2.0.0", questions=v2)

    questions = _questions(store)
    assert _params(questions["a00"]) == (1.9, -0.2, None)
    assert questions["a00"].params_calibrated_at is None
    assert _params(questions["a01"]) == (CALIBRATED["a01"]["a"], CALIBRATED["a01"]["b"], 0.0)
    assert questions["a01"].params_calibrated_at == STAMP

    # v3 drops a00's irt block again: no calibration to keep, so it has no parameters.
    make_adaptive(version="3.0.0", questions=_without_irt(adaptive_questions()))
    questions = _questions(store)
    assert _params(questions["a00"]) == (None, None, None)
    assert questions["a00"].params_calibrated_at is None
    assert questions["a01"].params_calibrated_at == STAMP

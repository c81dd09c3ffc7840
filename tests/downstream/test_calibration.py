"""Calibration end to end: answers pushed by laptops are graded on the server, 2PL parameters are
estimated, sent down the change log, and stored on the laptop's questions."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from app.db.models import Assessment, Item, Question
from app.db.store import Store
from sync.pull import ChangePuller
from sync.server.courses import grading_keys
from tests.downstream.helpers import enroll
from tests.server.helpers import push_ok
from tests.support.server_process import ServerProcess

COURSE = "demo.speed-distance-time"
QUIZ = "quiz-adaptive"
LEARNERS = 400
TRUE_PARAMS = [(1.6, -1.2), (0.8, -0.4), (1.2, 0.0), (1.0, 0.5), (1.8, 1.0), (1.1, 1.5)]


def responses(demo_dir: Path) -> list[tuple[str, Any, Any]]:
    """(question id, right response, wrong response) for six choice questions of the quiz."""
    _manifest, keys = grading_keys(demo_dir)
    chosen = []
    for name, spec in keys.items():
        quiz, question = name.split("/")
        if quiz == QUIZ and spec["type"] == "single_choice":
            chosen.append((question, spec["key"]["answer"], "not-an-option"))
        elif quiz == QUIZ and spec["type"] == "true_false":
            chosen.append((question, spec["key"]["answer"], not spec["key"]["answer"]))
    return chosen[: len(TRUE_PARAMS)]


def answered(seq: int, learner: int, question: str, response: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "seq": seq,
        "user_id": f"learner-{learner}",
        "verb": "http://adlnet.gov/expapi/verbs/answered",
        "object_id": f"urn:slate:activity:{COURSE}:{QUIZ}:{question}",
        "course_id": COURSE,
        "course_version": "1.1.0",
        # A score claimed by the laptop is ignored: the server grades the response itself.
        "result": {"response": response, "score": {"scaled": 1.0}},
        "context": {"attempt_id": f"attempt-{learner}"},
        "occurred_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC).isoformat(),
    }


def simulated_answers(chosen: list[tuple[str, Any, Any]]) -> list[dict[str, Any]]:
    rng = np.random.default_rng(7)
    events: list[dict[str, Any]] = []
    for learner in range(LEARNERS):
        theta = rng.normal()
        for (question, right, wrong), (a, b) in zip(chosen, TRUE_PARAMS, strict=True):
            p = 1.0 / (1.0 + math.exp(-a * (theta - b)))
            if question == chosen[0][0]:  # a first thought, changed before moving on
                events.append(answered(len(events) + 1, learner, question, wrong))
            response = right if rng.random() < p else wrong
            events.append(answered(len(events) + 1, learner, question, response))
    return events


def calibrated(store: Store, questions: list[str]) -> dict[str, tuple[Any, Any, Any]]:
    with store.read() as session:
        rows = session.execute(
            select(
                Question.question_id, Question.irt_a, Question.irt_b, Question.params_calibrated_at
            )
            .join(Assessment, Question.assessment_pk == Assessment.pk)
            .join(Item, Assessment.item_pk == Item.pk)
            .where(Item.course_id == COURSE, Item.item_id == QUIZ)
        ).all()
    return {q: (a, b, at) for q, a, b, at in rows if q in questions}


def test_answers_calibrate_and_the_parameters_reach_the_laptop(
    demo_store: Store, server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    code = school["enrollment_code"]
    server.cli_json("course", "publish", str(demo_dir), "--school", code)
    chosen = responses(demo_dir)
    assert len(chosen) == len(TRUE_PARAMS)
    events = simulated_answers(chosen)
    token = server.enroll(code, "class laptop")
    source = f"src-{uuid.uuid4().hex[:16]}"
    with server.client(token) as client:
        for start in range(0, len(events), 1000):
            push_ok(client, source, events[start : start + 1000])

    summary = server.cli_json("calibrate", "--course", COURSE)
    assert (summary["questions"], summary["learners"]) == (len(TRUE_PARAMS), LEARNERS)
    assert summary["responses"] == LEARNERS * len(TRUE_PARAMS)  # final answers only
    estimated_b = [summary["params"][f"{QUIZ}/{q}"]["b"] for q, _r, _w in chosen]
    true_b = [b for _a, b in TRUE_PARAMS]
    assert np.corrcoef(estimated_b, true_b)[0, 1] > 0.95
    assert np.mean(np.abs(np.subtract(estimated_b, true_b))) < 0.35

    enroll(demo_store, server, code)
    with ChangePuller(demo_store, server.url) as puller:
        report = puller.pull()
    assert report.courses_imported == []  # the laptop already has this version
    stored = calibrated(demo_store, [q for q, _r, _w in chosen])
    for question, _right, _wrong in chosen:
        a, b, at = stored[question]
        expected = summary["params"][f"{QUIZ}/{question}"]
        assert (a, b) == (pytest.approx(expected["a"]), pytest.approx(expected["b"]))
        assert at == summary["calibrated_at"]


def test_calibration_refuses_what_it_cannot_do(
    server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    unknown = server.cli("calibrate", "--course", "no-such-course", check=False)
    assert unknown.returncode == 1 and "no version of this course is published" in unknown.stderr
    server.cli_json("course", "publish", str(demo_dir), "--school", school["enrollment_code"])
    empty = server.cli("calibrate", "--course", COURSE, check=False)
    assert empty.returncode == 1 and "no auto-graded answers" in empty.stderr

"""The server grades answers itself with the published key, and passes teacher grades down."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db.store import Store
from app.grading.tables import AnswerGrade, GradeRecord
from sync.pull import ChangePuller
from sync.server.courses import grading_keys
from sync.server.models import AnswerScore
from tests.downstream.helpers import enroll, local_records, server_session
from tests.server.helpers import push_ok
from tests.support.server_process import ServerProcess

COURSE = "demo.speed-distance-time"
GRADED = "https://slate.example.org/xapi/verbs/graded"


def event(seq: int, verb: str, object_id: str, result: dict[str, Any], **extra: Any) -> Any:
    return {
        "id": str(uuid.uuid4()),
        "seq": seq,
        "user_id": extra.pop("user_id", "learner-1"),
        "verb": verb,
        "object_id": object_id,
        "course_id": COURSE,
        "course_version": extra.pop("version", "1.1.0"),
        "result": result,
        "context": {"attempt_id": "attempt-1", **extra},
        "occurred_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC).isoformat(),
    }


def answer(seq: int, question: str, response: Any, version: str = "1.1.0") -> Any:
    return event(
        seq,
        "http://adlnet.gov/expapi/verbs/answered",
        f"urn:slate:activity:{COURSE}:quiz-check:{question}",
        {"response": response, "score": {"scaled": 1.0}, "success": True},
        version=version,
    )


def scores(server: ServerProcess) -> dict[str, float]:
    with server_session(server) as session:
        return {s.event_id: s.share for s in session.scalars(select(AnswerScore))}


def test_answers_are_scored_with_the_published_key_not_the_laptops_claim(
    server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    _manifest, keys = grading_keys(demo_dir)
    right = keys["quiz-check/q01-formula"]["key"]["answer"]
    token = server.enroll(school["enrollment_code"], "laptop")
    early = [answer(1, "q01-formula", right), answer(2, "q01-formula", "not-an-option")]
    with server.client(token) as client:
        push_ok(client, "src-rescore-0001", early)  # before any version is published
        assert scores(server) == {}
        server.cli_json("course", "publish", str(demo_dir), "--school", school["enrollment_code"])
        assert scores(server) == {early[0]["id"]: 1.0, early[1]["id"]: 0.0}
        later = [
            answer(3, "q07-convert-rule", not keys["quiz-check/q07-convert-rule"]["key"]["answer"]),
            answer(4, "q13-name-quantity", "Instantaneous Speed"),
            answer(5, "q01-formula", right, version="9.9"),  # a version never published
        ]
        push_ok(client, "src-rescore-0001", later)
        push_ok(client, "src-rescore-0001", [*early, *later])  # a repeat scores nothing twice
    stored = scores(server)
    assert stored[later[0]["id"]] == 0.0  # claimed success, graded wrong
    assert stored[later[1]["id"]] == 1.0
    assert later[2]["id"] not in stored and len(stored) == 4


def grade_record(revision: str, score: float, **changes: Any) -> dict[str, Any]:
    record = {
        "revision_id": revision,
        "base_revision": None,
        "supersedes": [],
        "hlc": "001767225600000-000000-teacherlaptop",
        "grader_id": "teacher-1",
        "learner_id": "learner-1",
        "attempt_id": "attempt-1",
        "question_id": "p10-essay",
        "course_id": COURSE,
        "item_id": "quiz-practice",
        "score": score,
        "max_points": 2.0,
        "comment": "Good reasoning; show the units.",
        "rubric": {},
        "graded_at": "2026-03-01T09:00:00Z",
    }
    return record | changes


def graded(seq: int, record: dict[str, Any]) -> Any:
    return event(
        seq,
        GRADED,
        f"urn:slate:answer:attempt-1:{record['question_id']}",
        {"score_raw": record["score"], "score_max": record["max_points"], "grade_record": record},
        user_id="teacher-1",
        learner_id="learner-1",
    )


def test_teacher_grades_come_down_to_the_learners_laptop(
    store: Store, server: ServerProcess, school: dict[str, Any]
) -> None:
    teacher = server.enroll(school["enrollment_code"], "teacher laptop")
    first = grade_record(str(uuid.uuid4()), 1.5)
    second = grade_record(
        str(uuid.uuid4()), 2.0, base_revision=first["revision_id"], hlc="001767225700000-000000-t"
    )
    broken = grade_record(str(uuid.uuid4()), 5.0)  # above max_points: never sent down
    events = [graded(1, first), graded(2, broken), graded(3, second)]
    with server.client(teacher) as client:
        push_ok(client, "src-teacher-01", events)
        push_ok(client, "src-teacher-01", events)  # a repeat makes no second record

    enroll(store, server, school["enrollment_code"])
    with ChangePuller(store, server.url) as puller:
        assert puller.pull().applied == 2
    assert set(local_records(store)) == {
        ("grade", first["revision_id"]),
        ("grade", second["revision_id"]),
    }
    with store.read() as session:
        revisions = set(session.scalars(select(GradeRecord.revision_id)))
        current = session.get(AnswerGrade, ("attempt-1", "p10-essay"))
        assert revisions == {first["revision_id"], second["revision_id"]}
        assert current is not None and current.revision_id == second["revision_id"]
        assert current.conflicting == []

"""A grade and a class made offline go up with the normal push to the real server process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.db.store import Store
from app.grading.service import grade_answer
from sync.client import OutboxPusher
from tests.accounts.people import make_people
from tests.grading.quiz import ESSAY, import_graded_quiz, submitted_attempt
from tests.support.server_process import ServerProcess


def test_graded_and_class_changed_events_reach_the_server(
    store: Store, tmp_path: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    import_graded_quiz(store, tmp_path / "course")
    people = make_people(store)  # creates a class and enrolls two learners, offline
    attempt_id = submitted_attempt(store, people.amina)
    with store.write() as s:
        grade_answer(s, people.teacher, attempt_id, ESSAY, score=3, comment="Good.")
    with OutboxPusher(store, server.url) as pusher:
        pusher.enroll(school["enrollment_code"], "teacher-laptop")
        report = pusher.push()
    assert report.pending == 0 and report.pushed == report.local_total
    by_verb = server.stats()["by_verb"]
    assert by_verb.get("graded") == 1
    assert by_verb.get("class-changed") == 2  # created, then enrolled

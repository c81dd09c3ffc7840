"""Revision 0003 upgrades a 0002 store that holds attempts and answers, keeping them."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from app.attempts import save_answer, start_or_resume
from app.db.migrate import HEAD_REVISION, alembic_config, current_revision
from app.db.models import Answer, Assessment, Attempt
from app.db.store import Store
from app.profiles import create_profile
from tests.attempts.conftest import MakeQuiz
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID


def test_0002_store_with_attempts_upgrades(make_quiz: MakeQuiz, tmp_path: Path) -> None:
    store = make_quiz(settings={"time_limit_s": 300, "max_attempts": 2})
    with store.write() as s:
        user = create_profile(s, "Kofi").id
        view = start_or_resume(s, user, COURSE_ID, QUIZ_ID)
        save_answer(s, view.attempt_id, "q02", "b")
    data_dir = store.data_dir
    store.close()
    db = data_dir / "slate.db"
    command.downgrade(alembic_config(db), "0002")
    assert current_revision(db) == "0002"

    store = Store.open(data_dir)  # migrates to head
    try:
        assert current_revision(db) == HEAD_REVISION
        with store.write() as s:
            attempt = s.get(Attempt, view.attempt_id)
            assert attempt is not None and attempt.elapsed_s == 0.0
            assert attempt.ungraded_count == 0
            answer = s.get(Answer, (view.attempt_id, "q02"))
            assert answer is not None and answer.response == "b"
            assert (answer.hints_used, answer.confidence, answer.time_spent_s) == (0, None, 0.0)
            assessment = s.query(Assessment).one()
            assert (assessment.time_limit_s, assessment.max_attempts) == (300, 2)
            assert assessment.attempt_policy == "best"
            assert assessment.feedback_timing == "after_submit"
            assert assessment.hint_penalty == 0.0 and assessment.ask_confidence is False
            resumed = start_or_resume(s, user, COURSE_ID, QUIZ_ID)
            assert resumed.attempt_id == view.attempt_id and resumed.responses == {"q02": "b"}
    finally:
        store.close()

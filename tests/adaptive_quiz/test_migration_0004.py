"""Revision 0004 upgrades a 0003 store that holds attempts and answers, keeping them, and the
upgraded store takes adaptive quizzes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from app.adaptive_attempts import start_or_resume_adaptive
from app.attempts import save_answer, start_or_resume
from app.courses.importer import import_course
from app.db.migrate import HEAD_REVISION, alembic_config, current_revision
from app.db.models import Answer, Attempt, Question
from app.db.store import Store
from app.profiles import create_profile
from tests.adaptive_quiz.adaptive_course import write_adaptive_course
from tests.attempts.conftest import MakeQuiz
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID

NEW_COLUMNS = {
    "questions": {"irt_a", "irt_b", "irt_c", "difficulty", "topic", "params_calibrated_at"},
    "assessments": {"adaptive"},
    "attempts": {"theta", "theta_se", "adaptive_stop"},
}


def _columns(db: Path, table: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_0003_store_with_attempts_upgrades(make_quiz: MakeQuiz, tmp_path: Path) -> None:
    store = make_quiz(settings={"time_limit_s": 300})
    with store.write() as s:
        user = create_profile(s, "Kofi").id
        view = start_or_resume(s, user, COURSE_ID, QUIZ_ID)
        save_answer(s, view.attempt_id, "q02", "b")
    data_dir = store.data_dir
    store.close()
    db = data_dir / "slate.db"
    command.downgrade(alembic_config(db), "0003")
    assert current_revision(db) == "0003"
    for table, columns in NEW_COLUMNS.items():
        assert not columns & _columns(db, table), table

    store = Store.open(data_dir)  # migrates to head
    try:
        assert current_revision(db) == HEAD_REVISION
        for table, columns in NEW_COLUMNS.items():
            assert columns <= _columns(db, table), table
        with store.write() as s:
            attempt = s.get(Attempt, view.attempt_id)
            assert attempt is not None
            assert (attempt.theta, attempt.theta_se, attempt.adaptive_stop) == (None, None, None)
            assert attempt.question_order == view_order(view)
            answer = s.get(Answer, (view.attempt_id, "q02"))
            assert answer is not None and answer.response == "b" and answer.score is None
            question = s.query(Question).filter_by(question_id="q02").one()
            assert (question.irt_b, question.difficulty, question.topic) == (None, None, None)
            assert question.assessment.adaptive is None
            resumed = start_or_resume(s, user, COURSE_ID, QUIZ_ID)
            assert resumed.attempt_id == view.attempt_id and resumed.responses == {"q02": "b"}
        # The upgraded store takes an adaptive version of the course.
        import_course(store, write_adaptive_course(tmp_path / "v2", version="2.0.0"))
        with store.write() as s:
            fresh = create_profile(s, "Esi").id
            adaptive = start_or_resume_adaptive(s, fresh, COURSE_ID, QUIZ_ID)
            assert adaptive.current is not None and adaptive.status.number == 1
    finally:
        store.close()


def view_order(view) -> list[str]:
    return [q.question_id for q in view.questions]

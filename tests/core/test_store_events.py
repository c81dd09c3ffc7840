"""The store (pragmas, migrations, lock, backup) and events (same transaction, gapless seq)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.attempts import save_answer, start_or_resume, submit
from app.db.migrate import HEAD_REVISION, MIGRATIONS_DIR, current_revision
from app.db.models import Answer, Event, Progress, Question
from app.db.store import Store, StoreLockedError
from app.events import Verb
from app.learning import complete_lesson, record_video_progress
from app.progress import course_progress, rebuild_progress

COURSE = "demo.speed-distance-time"


def test_pragmas(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_head_revision_constant_matches_alembic() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() == HEAD_REVISION


def test_migration_from_older_schema_backs_up_first(tmp_path: Path) -> None:
    data = tmp_path / "store"
    Store.open(data).close()
    with sqlite3.connect(data / "slate.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'older'")
        conn.execute("INSERT INTO meta VALUES ('marker', 'kept')")
    # An unknown older revision cannot be upgraded: Alembic refuses, and the backup is there.
    with pytest.raises(Exception, match="older"):
        Store.open(data)
    backups = list((data / "backups").glob("slate-before-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='marker'").fetchone() == ("kept",)
    assert current_revision(data / "slate.db") == "older"


def test_second_writer_is_refused_with_a_clear_message(store: Store) -> None:
    with pytest.raises(StoreLockedError, match="already using the store"):
        Store.open(store.data_dir)


def test_events_are_gapless_and_in_the_same_transaction(demo_store: Store, learner: str) -> None:
    with demo_store.write() as s:
        view = start_or_resume(s, learner, COURSE, "quiz-check")
    first_q = view.questions[0].question_id
    # A failure after the answer was written rolls back the answer AND its event together.
    with pytest.raises(RuntimeError), demo_store.write() as s:
        save_answer(s, view.attempt_id, first_q, "x")
        raise RuntimeError("power cut before commit")
    with demo_store.read() as s:
        assert s.get(Answer, (view.attempt_id, first_q)) is None
        assert s.scalar(select(func.count()).where(Event.verb == Verb.ANSWERED.value)) == 0
    with demo_store.write() as s:
        save_answer(s, view.attempt_id, first_q, "x")
        complete_lesson(s, learner, COURSE, "lesson-units")
    with demo_store.read() as s:
        seqs = list(s.scalars(select(Event.seq).order_by(Event.seq)))
        ids = list(s.scalars(select(Event.id)))
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(set(ids)) == len(ids)
    # UUIDv7: version nibble 7, and ids made later sort later.
    assert all(i[14] == "7" for i in ids)


def test_progress_rebuilds_from_events_alone(demo_store: Store, learner: str) -> None:
    with demo_store.write() as s:
        complete_lesson(s, learner, COURSE, "lesson-units")
        record_video_progress(
            s, learner, COURSE, "intro-video", watched=[[0, 40]], position_s=40, duration_s=78
        )
        record_video_progress(
            s, learner, COURSE, "intro-video", watched=[[30, 75]], position_s=75, duration_s=78
        )
        view = start_or_resume(s, learner, COURSE, "quiz-check")
        for q in view.questions:
            save_answer(s, view.attempt_id, q.question_id, None)
        submit(s, view.attempt_id)
    with demo_store.read() as s:
        live = {
            (p.item_id, p.completed, p.passed, p.best_score, str(p.watched))
            for p in s.scalars(select(Progress))
        }
        live_course = course_progress(s, learner, COURSE)
    with demo_store.write() as s:
        assert rebuild_progress(s) > 0
    with demo_store.read() as s:
        rebuilt = {
            (p.item_id, p.completed, p.passed, p.best_score, str(p.watched))
            for p in s.scalars(select(Progress))
        }
        assert course_progress(s, learner, COURSE) == live_course
    assert rebuilt == live
    # 75 of 78 s watched (intervals merged, overlap not counted twice) completes the video.
    assert ("intro-video", True) in {(r[0], r[1]) for r in live}


def test_seeking_to_the_end_does_not_complete_a_video(demo_store: Store, learner: str) -> None:
    with demo_store.write() as s:
        record_video_progress(
            s,
            learner,
            COURSE,
            "intro-video",
            watched=[[0, 5], [70, 78]],
            position_s=78,
            duration_s=78,
        )
        row = s.get(Progress, (learner, COURSE, "intro-video"))
        assert row is not None and not row.completed


def test_quiz_best_score_is_max_not_sum(demo_store: Store, learner: str) -> None:
    from app.db.models import Question

    with demo_store.read() as s:
        keys = {q.question_id: (q.type, q.key) for q in s.scalars(select(Question))}
    scores = []
    for give_right in (True, False):
        with demo_store.write() as s:
            view = start_or_resume(s, learner, COURSE, "quiz-check")
            for q in view.questions:
                qtype, key = keys[q.question_id]
                right = {
                    "single_choice": key.get("answer"),
                    "multiple_choice": key.get("answer"),
                    "true_false": key.get("answer"),
                    "numeric": str(key.get("answer")),
                    "short_answer": (key.get("answers") or [""])[0],
                }[qtype]
                save_answer(s, view.attempt_id, q.question_id, right if give_right else None)
            scores.append(submit(s, view.attempt_id).score)
    assert scores == [1.0, 0.0]
    with demo_store.read() as s:
        row = s.get(Progress, (learner, COURSE, "quiz-check"))
        assert row is not None and row.best_score == 1.0 and row.passed and row.attempts == 2


def test_shuffled_quiz_keeps_its_order_when_resumed(demo_store: Store, learner: str) -> None:
    from app.db.models import Assessment

    with demo_store.write() as s:
        for assessment in s.scalars(select(Assessment)):
            assessment.shuffle_questions = assessment.shuffle_options = True
    with demo_store.write() as s:
        first = start_or_resume(s, learner, COURSE, "quiz-check")
    with demo_store.write() as s:
        again = start_or_resume(s, learner, COURSE, "quiz-check")
    assert again.attempt_id == first.attempt_id
    assert [q.question_id for q in again.questions] == [q.question_id for q in first.questions]
    assert [q.options for q in again.questions] == [q.options for q in first.questions]
    with demo_store.read() as s:
        shown_ids = {q.question_id for q in first.questions}
        authored = [
            q.question_id
            for q in s.scalars(select(Question).order_by(Question.position))
            if q.question_id in shown_ids  # this quiz's, not the practice quiz's
        ]
    assert sorted(q.question_id for q in first.questions) == sorted(authored)
    # 14 questions: the chance that a shuffle leaves the authored order is 1 in 14!.
    assert [q.question_id for q in first.questions] != authored


def test_a_store_made_at_revision_0001_upgrades_with_its_data(
    tmp_path: Path, demo_dir: Path
) -> None:
    """The real upgrade path: a store with a course and a learner, made by the first schema."""
    from alembic import command

    from app.courses.importer import import_course
    from app.db.migrate import alembic_config
    from app.profiles import create_profile, list_profiles

    data = tmp_path / "old"
    data.mkdir()
    command.upgrade(alembic_config(data / "slate.db"), "0001")
    with sqlite3.connect(data / "slate.db") as conn:
        conn.execute(
            "INSERT INTO users (id, display_name, role, created_at) "
            "VALUES ('u1', 'Old Learner', 'STUDENT', '2026-01-01 00:00:00')"
        )
    store = Store.open(data)
    try:
        assert current_revision(data / "slate.db") == HEAD_REVISION
        assert list((data / "backups").glob("slate-before-*.db"))
        with store.write() as s:
            names = [p.display_name for p in list_profiles(s)]
            create_profile(s, "New Learner")
        assert names == ["Old Learner"]
        assert import_course(store, demo_dir).status == "imported"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("  Amina   Njeri ", "Amina Njeri"), ("ctrl\x07\x1b[31mred", "ctrl[31mred"),
     ("Zoe\u0301", "Zoé"), ("Ле́на", "Ле́на")],
)
def test_profile_names_are_cleaned(store: Store, typed: str, stored: str) -> None:
    from app.profiles import create_profile

    with store.write() as s:
        assert create_profile(s, typed).display_name == stored


def test_the_same_name_typed_another_way_is_one_profile(store: Store) -> None:
    from app.profiles import ProfileError, create_profile

    with store.write() as s:
        create_profile(s, "zoé")
    with pytest.raises(ProfileError, match="'zoé'"), store.write() as s:
        create_profile(s, "ZOE\u0301")

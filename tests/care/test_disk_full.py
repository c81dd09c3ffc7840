"""Disk full while saving answers: the learner is told, and nothing already saved is lost.

Runs on a real small filesystem (a size-limited tmpfs), so SQLite meets a real ENOSPC; skipped
with the reason when this process may not mount one (not root, or no mount permission).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.attempts import save_answer, start_or_resume
from app.courses.importer import import_course
from app.db.models import Answer
from app.db.store import DiskFullError, Store
from app.profiles import create_profile
from tests.attempts.conftest import text_box
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID, text_question, write_quiz_course
from tests.attempts.test_time_limit import runner_for
from tests.care.conftest import fill_disk

QUESTIONS = 400
ANSWER_CHARS = 6000  # a long essay-like answer: the disk fills after a few hundred


def test_a_full_disk_is_reported_and_every_saved_answer_survives(
    small_disk: Path, tmp_path: Path
) -> None:
    course = write_quiz_course(
        tmp_path / "course", questions=[text_question(f"q{n:03d}") for n in range(QUESTIONS)]
    )
    data_dir = small_disk / "store"
    store = Store.open(data_dir)
    import_course(store, course)
    with store.write() as session:
        user_id = create_profile(session, "Amina").id
    with store.write() as session:
        view = start_or_resume(session, user_id, COURSE_ID, QUIZ_ID)
    order = [q.question_id for q in view.questions]
    ballast = fill_disk(small_disk, leave_bytes=600_000)

    saved: dict[str, str] = {}
    error: DiskFullError | None = None
    for number, question_id in enumerate(order):
        answer = f"{number:03d} " + "speed is distance over time " * (ANSWER_CHARS // 28)
        try:
            with store.write() as session:
                save_answer(session, view.attempt_id, question_id, answer)
        except DiskFullError as exc:
            error = exc
            break
        saved[question_id] = answer  # acknowledged: the commit returned
    assert error is not None, "the disk never filled up"
    assert len(saved) >= 5
    message = str(error)
    assert message.startswith("The disk is full") and str(data_dir) in message
    assert "Everything saved before is kept" in message

    # Still full: a second try fails the same clear way, and reading still works.
    with pytest.raises(DiskFullError), store.write() as session:
        save_answer(session, view.attempt_id, order[-1], "one more")
    store.close()

    ballast.unlink()  # IT frees some space
    store = Store.open(data_dir)
    try:
        assert store.quick_check() == "ok"
        with sqlite3.connect(store.db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with store.read() as session:
            for question_id, answer in saved.items():
                row = session.get(Answer, (view.attempt_id, question_id))
                assert row is not None and row.response == answer, question_id
        # And saving works again.
        last = order[len(saved)]
        with store.write() as session:
            save_answer(session, view.attempt_id, last, "after the clean-up")
    finally:
        store.close()


def test_the_quiz_page_says_the_disk_is_full_and_keeps_the_answer_to_save_later(
    qtbot, small_disk: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    course = write_quiz_course(
        tmp_path / "course", questions=[text_question(f"q{n:03d}") for n in range(QUESTIONS)]
    )
    store = Store.open(small_disk / "store")
    import_course(store, course)
    with store.write() as session:
        learner = create_profile(session, "Amina").id
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    ballast = fill_disk(small_disk, leave_bytes=300_000)
    essay = "speed is distance over time " * (ANSWER_CHARS // 28)
    for index in range(QUESTIONS):
        runner.go_to(index, save_position=False)
        text_box(runner).edit.setText(f"{index} {essay}")
        text_box(runner).commit()
        if runner.error.text():
            break
    assert runner.error.text().startswith("The disk is full"), runner.error.text()
    assert str(store.data_dir) in runner.error.text()
    assert runner.saved_label.text() != "Answer saved"
    unsaved = text_box(runner).edit.text()
    assert unsaved == f"{index} {essay}"  # still in the form

    ballast.unlink()
    text_box(runner).edit.setText(unsaved + ".")
    text_box(runner).commit()
    assert runner.saved_label.text() == "Answer saved"
    question_id = runner.view.questions[index].question_id  # type: ignore[union-attr]
    with store.read() as session:
        row = session.get(Answer, (runner.view.attempt_id, question_id))  # type: ignore[union-attr]
        assert row is not None and row.response == unsaved + "."
    # The page writes its clock on a timer: stop it before the store and the disk go away.
    runner.ticker.stop()
    runner.close()
    store.close()


def test_an_escaped_slate_error_is_shown_once_not_once_per_retry(
    qtbot, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:  # type: ignore[no-untyped-def]
    import sys

    from PySide6.QtWidgets import QMessageBox, QWidget

    from app.db.store import disk_full_message
    from ui.launch import _show_slate_errors

    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    _show_slate_errors(window)
    error = DiskFullError(disk_full_message(store.data_dir))
    for _ in range(5):  # a timer retrying its write while the disk is full
        sys.excepthook(DiskFullError, error, None)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert boxes[0].text().startswith("The disk is full") and str(store.data_dir) in boxes[0].text()

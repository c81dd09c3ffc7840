"""Time limits: counted with a monotonic clock, persisted, never given back; expiry submits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.attempts import ElapsedClock, record_time, save_answer, start_or_resume, submit
from app.db.models import Attempt, AttemptStatus
from app.db.store import Store
from app.profiles import get_profile
from tests.attempts.conftest import MakeQuiz, answer_row, attempt_row, text_box
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID
from ui.context import AppContext
from ui.pages.quiz import QuizRunner, format_remaining


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_elapsed_clock_adds_this_session_to_the_stored_time() -> None:
    clock = FakeClock()
    elapsed = ElapsedClock(30.0, clock)
    assert elapsed.elapsed() == 30.0
    clock.now += 12.5
    assert elapsed.elapsed() == 42.5
    assert elapsed.remaining(60) == 17.5
    clock.now += 100
    assert elapsed.remaining(60) == 0.0
    assert elapsed.remaining(None) is None


def test_a_clock_running_backwards_gives_no_time() -> None:
    clock = FakeClock()
    elapsed = ElapsedClock(10.0, clock)
    clock.now -= 500
    assert elapsed.elapsed() == 10.0


def test_stored_elapsed_time_only_moves_forward(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(settings={"time_limit_s": 600})
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE_ID, QUIZ_ID)
        record_time(s, view.attempt_id, 120.0)
    with store.write() as s:
        # A stale figure (an older session, a wrong clock) cannot take time back.
        record_time(s, view.attempt_id, 5.0)
        save_answer(s, view.attempt_id, "q01", "metre", elapsed_s=3.0)
    with store.write() as s:
        resumed = start_or_resume(s, learner, COURSE_ID, QUIZ_ID)
    assert resumed.attempt_id == view.attempt_id
    assert resumed.elapsed_s == 120.0
    assert resumed.time_limit_s == 600


def test_submit_past_the_limit_is_timed_out(make_quiz: MakeQuiz, learner: str) -> None:
    store = make_quiz(settings={"time_limit_s": 60})
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE_ID, QUIZ_ID)
        save_answer(s, view.attempt_id, "q01", "metre", elapsed_s=30)
        result = submit(s, view.attempt_id, elapsed_s=60.2)
    assert result.status == AttemptStatus.TIMED_OUT
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE_ID, QUIZ_ID)
        assert submit(s, view.attempt_id, elapsed_s=59).status == AttemptStatus.SUBMITTED


def runner_for(qtbot, store: Store, learner: str) -> QuizRunner:
    ctx = AppContext(store)
    with store.read() as s:
        ctx.set_profile(get_profile(s, learner))
    runner = QuizRunner(ctx)
    qtbot.addWidget(runner)
    runner.show()
    return runner


def test_runner_shows_the_time_left_and_submits_at_expiry(
    qtbot, make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(settings={"time_limit_s": 2})
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    assert runner.time_label.isVisibleTo(runner)
    assert runner.time_label.text().startswith("Time left: 0:0")
    # An answer being typed when time runs out still counts.
    qtbot.keyClicks(text_box(runner).edit, "metre")
    qtbot.waitUntil(lambda: runner.stack.currentIndex() == 1, timeout=10_000)
    assert "Time is up" in runner.result_view.toPlainText()
    with store.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        assert attempt.status == AttemptStatus.TIMED_OUT
        assert attempt.elapsed_s >= 2.0
        answer = answer_row(s, attempt.id, "q01")
        assert answer is not None and answer.response == "metre" and answer.score == 1.0
        assert answer.time_spent_s > 0


def test_reopening_resumes_the_clock_where_it_stopped(
    qtbot, make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(settings={"time_limit_s": 3600})
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE_ID, QUIZ_ID)
        record_time(s, view.attempt_id, 3598.5)  # used in an earlier session; then Slate closed
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    remaining = runner.remaining_s()
    assert remaining is not None and remaining <= 1.5
    qtbot.waitUntil(lambda: runner.stack.currentIndex() == 1, timeout=10_000)
    with store.read() as s:
        assert attempt_row(s, view.attempt_id).status == AttemptStatus.TIMED_OUT


def test_runner_persists_time_when_moving_between_questions(
    qtbot, make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(settings={"time_limit_s": 600})
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    qtbot.wait(50)
    qtbot.mouseClick(runner.next_button, Qt.MouseButton.LeftButton)
    with store.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        assert attempt.elapsed_s > 0 and attempt.current_index == 1
        assert answer_row(s, attempt.id, "q01").time_spent_s > 0


def test_format_remaining() -> None:
    assert format_remaining(0) == "0:00"
    assert format_remaining(0.2) == "0:01"
    assert format_remaining(61) == "1:01"
    assert format_remaining(3725) == "1:02:05"


def test_untimed_quiz_shows_no_clock(
    qtbot, make_quiz: MakeQuiz, learner: str, tmp_path: Path
) -> None:
    store = make_quiz()
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    assert not runner.time_label.isVisibleTo(runner)
    assert runner.remaining_s() is None

"""The whole learner flow through the real widgets on a real store, then reopen and check."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.db.models import Attempt, Event, Question
from app.db.store import Store
from ui.context import AppContext
from ui.main_window import MainWindow

COURSE = "demo.speed-distance-time"


def open_window(qtbot, data_dir: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(AppContext(Store.open(data_dir)), start_sync=False)
    qtbot.addWidget(window)
    window.show()
    return window


def close_window(window: MainWindow) -> None:
    window.shutdown()
    window.ctx.store.close()


def import_demo(qtbot, window: MainWindow, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    task = window.import_package(demo_dir)
    with qtbot.waitSignal(task.finished, timeout=60000):
        pass


@pytest.mark.slow
def test_student_learns_offline_and_everything_persists(
    qtbot, tmp_path: Path, demo_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "store"
    window = open_window(qtbot, data_dir)
    import_demo(qtbot, window, demo_dir)

    # Pick a profile: two students share this laptop.
    page = window.profiles
    for name in ("Baraka", "Amina"):
        page.name_edit.setText(name)
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    page.name_edit.setText("amina ")  # duplicate (after trimming): refused with a message
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert "already a profile" in page.error.text()
    assert [page.list.item(i).text() for i in range(page.list.count())] == ["Amina", "Baraka"]
    page.list.setCurrentRow(0)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.courses
    assert window.courses.list.topLevelItemCount() == 1

    # Open the course; progress starts at 0.
    qtbot.mouseClick(window.courses.open_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.outline
    assert window.outline.progress.value() == 0

    # Read a Markdown lesson: table, image and formula are rendered, raw text not shown.
    window.outline.open_item("lesson-distance-time-graphs")
    reader = window.lesson
    html = reader.browser.toHtml()
    assert "<table" in html and "<img" in html
    text = reader.browser.toPlainText()
    assert "$" not in text and "|---" not in text
    qtbot.mouseClick(reader.done_button, Qt.MouseButton.LeftButton)
    assert reader.done_label.text() == "✓ Done"
    qtbot.mouseClick(reader.back_button, Qt.MouseButton.LeftButton)

    # Watch the video with subtitles: play, change speed, seek, pause.
    window.outline.open_item("intro-video")
    video = window.video
    assert video.subtitle_choice.currentText() == "English"
    video.play()
    qtbot.waitUntil(lambda: video.player.position() > 1200, timeout=20000)
    qtbot.waitUntil(lambda: bool(video.caption.text()), timeout=5000)
    video.set_speed(1.5)
    assert video.player.playbackRate() == 1.5
    video.seek_ms(30000)
    qtbot.waitUntil(lambda: video.player.position() >= 30500, timeout=20000)
    video.pause()
    qtbot.waitUntil(lambda: video.play_button.text().startswith("▶"), timeout=5000)

    # Take the quiz: one question per page, previous/next, submit, score and feedback.
    window.outline.open_item("quiz-check")
    runner = window.quiz
    assert runner.view is not None
    keys = window.ctx.read(
        lambda s: {q.question_id: (q.type, q.key) for q in s.scalars(select(Question))}
    )
    total = len(runner.view.questions)
    wrong_on_purpose = runner.view.questions[0].question_id
    for index in range(total):
        question = runner.view.questions[runner.index]
        qtype, key = keys[question.question_id]
        answer = runner.answer
        if question.question_id == wrong_on_purpose:
            wrong = next(b for oid, b in answer.buttons.items() if oid != key.get("answer"))
            wrong.click()
        elif qtype in ("single_choice",):
            answer.buttons[key["answer"]].click()
        elif qtype == "multiple_choice":
            for oid in key["answer"]:
                answer.buttons[oid].click()
        elif qtype == "true_false":
            (answer.true_button if key["answer"] else answer.false_button).click()
        else:
            text = (
                str(key["answer"]).replace(".", ",")
                if qtype == "numeric"
                else key["answers"][-1].upper()
            )
            qtbot.keyClicks(answer.edit, text)
            qtbot.keyClick(answer.edit, Qt.Key.Key_Tab)
            answer.commit()
        assert runner.saved_label.text() == "Answer saved"
        if index < total - 1:
            qtbot.mouseClick(runner.next_button, Qt.MouseButton.LeftButton)
    assert not runner.next_button.isEnabled()
    qtbot.mouseClick(runner.prev_button, Qt.MouseButton.LeftButton)
    assert runner.index == total - 2
    qtbot.mouseClick(runner.submit_button, Qt.MouseButton.LeftButton)
    result = runner.result
    assert result is not None and result.passed
    assert result.score == pytest.approx((total - 1) / total, abs=0.08)
    review = runner.result_view.toPlainText()
    assert "Correct answer" in review and "✗ Question 1" in review
    assert any(q.feedback for q in result.questions)

    window.back_to_outline()
    progress_after = window.outline.progress.value()
    assert progress_after > 0
    window.show_progress()
    assert window.progress_page.table.rowCount() == 1

    with window.ctx.store.read() as s:
        events_before = s.scalar(select(func.count()).select_from(Event))
    close_window(window)

    # Reopen: the same learner, progress, attempt and events are all still there.
    window = open_window(qtbot, data_dir)
    window.profiles.list.setCurrentRow(0)
    qtbot.mouseClick(window.profiles.open_button, Qt.MouseButton.LeftButton)
    window.open_course(COURSE)
    assert window.outline.progress.value() == progress_after
    window.outline.open_item("quiz-check")
    assert window.quiz.stack.currentIndex() == 1  # shows the last result, not a new attempt
    window.outline.open_item("intro-video")
    assert window.video._resume_ms > 25000  # resumes where Amina paused
    with window.ctx.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) >= events_before
        assert s.scalar(select(func.count()).select_from(Attempt)) == 1
    close_window(window)


def test_quiz_resumes_at_the_same_question_with_answers(
    qtbot, tmp_path: Path, demo_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "store"
    window = open_window(qtbot, data_dir)
    import_demo(qtbot, window, demo_dir)
    window.profiles.add_profile("Zawadi")
    qtbot.mouseClick(window.profiles.open_button, Qt.MouseButton.LeftButton)
    window.open_course(COURSE)
    window.outline.open_item("quiz-check")
    runner = window.quiz
    first = runner.view.questions[0]
    first_option = first.options[0]["id"] if first.options else None
    if first_option:
        runner.answer.buttons[first_option].click()
    qtbot.mouseClick(runner.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(runner.next_button, Qt.MouseButton.LeftButton)
    close_window(window)  # the app closes mid-quiz

    window = open_window(qtbot, data_dir)
    window.profiles.list.setCurrentRow(0)
    qtbot.mouseClick(window.profiles.open_button, Qt.MouseButton.LeftButton)
    window.open_course(COURSE)
    window.outline.open_item("quiz-check")
    runner = window.quiz
    assert runner.stack.currentIndex() == 0 and runner.index == 2
    qtbot.mouseClick(runner.prev_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(runner.prev_button, Qt.MouseButton.LeftButton)
    if first_option:
        assert runner.answer.value() == first_option
    # Submitting with unanswered questions asks first, inline.
    qtbot.mouseClick(runner.submit_button, Qt.MouseButton.LeftButton)
    assert (
        runner.confirm_button.isVisibleTo(runner) and "no answer yet" in runner.confirm_label.text()
    )
    close_window(window)

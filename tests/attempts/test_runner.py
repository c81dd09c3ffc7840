"""The quiz page: "Answer saved" only after the commit, hints, confidence, immediate feedback."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.db.models import Attempt, Question
from tests.attempts.conftest import MakeQuiz, answer_row, choice_box, text_box
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID, choice_question, text_question
from tests.attempts.test_time_limit import runner_for


def test_typed_text_is_not_shown_saved_until_it_is_in_the_store(
    qtbot, make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(questions=[text_question("q1"), choice_question("q2")])
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    qtbot.keyClicks(text_box(runner).edit, "met")
    assert runner.saved_label.text() != "Answer saved"
    qtbot.waitUntil(lambda: runner.saved_label.text() == "Answer saved", timeout=5000)
    with store.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        assert answer_row(s, attempt.id, "q1").response == "met"
    qtbot.keyClicks(text_box(runner).edit, "re")
    assert runner.saved_label.text() == "Saving…"
    qtbot.mouseClick(runner.next_button, Qt.MouseButton.LeftButton)  # leaving saves at once
    with store.read() as s:
        assert answer_row(s, attempt.id, "q1").response == "metre"


def test_hints_confidence_and_immediate_feedback_on_the_page(
    qtbot, make_quiz: MakeQuiz, learner: str
) -> None:
    store = make_quiz(
        settings={"ask_confidence": True, "feedback_timing": "immediate", "hint_penalty": 0.5},
        questions=[choice_question("q1", feedback={"correct": "Well done"})],
    )
    with store.write() as s:
        question = s.scalars(select(Question)).one()
        question.key = question.key | {"hints": ["Not a."]}
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    assert runner.hint_button.isVisibleTo(runner) and runner.confidence.isVisibleTo(runner)
    qtbot.mouseClick(runner.hint_button, Qt.MouseButton.LeftButton)
    assert runner.hint_label.text() == "Hint 1: Not a."
    assert not runner.hint_button.isEnabled()
    runner.confidence.setCurrentIndex(5)
    choice_box(runner).buttons["b"].click()
    assert runner.saved_label.text() == "Answer saved"
    assert "Correct. Well done" in runner.feedback_label.text()
    with store.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        answer = answer_row(s, attempt.id, "q1")
        assert (answer.response, answer.hints_used, answer.confidence) == ("b", 1, 5)
    qtbot.mouseClick(runner.submit_button, Qt.MouseButton.LeftButton)
    assert runner.stack.currentIndex() == 1
    assert runner.result is not None and runner.result.points == 0.5
    assert "Hints used: 1" in runner.result_view.toPlainText()

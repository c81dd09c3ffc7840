"""The quiz page runs an adaptive quiz: one question at a time, no going back, a progress hint,
then the review with the ability in plain words; closing and reopening resumes it."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.db.models import Attempt, AttemptStatus
from app.db.store import Store
from tests.adaptive_quiz.adaptive_course import RIGHT, WRONG, adaptive_questions
from tests.adaptive_quiz.conftest import MakeAdaptive
from tests.attempts.conftest import choice_box
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID
from tests.attempts.test_time_limit import runner_for
from ui.pages.quiz import QuizRunner


def _confirm(qtbot, runner: QuizRunner) -> None:
    qtbot.mouseClick(runner.confirm_answer_button, Qt.MouseButton.LeftButton)


def test_adaptive_quiz_from_first_question_to_review(
    qtbot, make_adaptive: MakeAdaptive, learner: str
) -> None:
    questions = adaptive_questions()
    for q in questions:
        q["feedback"] = {"correct": "Right!", "incorrect": "Look again."}
    store = make_adaptive(adaptive={"se_stop": None, "max_length": 4}, questions=questions)
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)

    # One question at a time: no previous, next or submit, only "confirm".
    assert runner.confirm_answer_button.isVisibleTo(runner)
    for button in (runner.prev_button, runner.next_button, runner.submit_button):
        assert not button.isVisibleTo(runner)
    assert runner.counter.text() == "Question 1, about 3 more"

    # Confirming without an answer is refused and says why.
    _confirm(qtbot, runner)
    assert "Answer this question first" in runner.error.text()

    given = []
    for number in range(1, 5):
        assert runner.counter.text().startswith(f"Question {number}, ")
        response = RIGHT if number % 2 else WRONG
        choice_box(runner).buttons[response].click()
        assert runner.saved_label.text() == "Answer saved"
        given.append(response)
        _confirm(qtbot, runner)
        if number < 4:
            assert runner.error.text() == ""

    # The fourth answer ended the test: the review is on screen.
    assert runner.stack.currentIndex() == 1 and runner.result is not None
    text = runner.result_view.toPlainText()
    assert "Score: 50%" in text
    assert "Your level:" in text and "2 of 4 answers were right" in text
    assert re.search(r"ability [+-]\d\.\d\d", text)
    assert text.count("Correct answer: Option b") == 4
    assert text.count("Right!") == 2 and text.count("Look again.") == 2
    with store.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        assert attempt.status == AttemptStatus.SUBMITTED and len(attempt.question_order) == 4
        assert attempt.adaptive_stop == "max_items" and attempt.theta is not None


def test_closing_the_page_and_coming_back_resumes_the_question(
    qtbot, make_adaptive: MakeAdaptive, learner: str, store: Store
) -> None:
    make_adaptive(adaptive={"se_stop": None, "max_length": 6})
    runner = runner_for(qtbot, store, learner)
    runner.show_quiz(COURSE_ID, QUIZ_ID)
    choice_box(runner).buttons[RIGHT].click()
    _confirm(qtbot, runner)
    assert runner.counter.text().startswith("Question 2, ")
    assert runner.view is not None
    shown = runner.view.questions[runner.index].question_id
    choice_box(runner).buttons[WRONG].click()  # saved, not confirmed

    again = runner_for(qtbot, store, learner)  # a new window, as after a restart
    again.show_quiz(COURSE_ID, QUIZ_ID)
    assert again.view is not None
    assert again.view.questions[again.index].question_id == shown
    assert again.counter.text().startswith("Question 2, ")
    assert choice_box(again).buttons[WRONG].isChecked()

"""The grading page, offered to teachers only, and the learner's review afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db.store import Store
from app.grading.rubrics import set_rubric
from app.profiles import get_profile
from tests.accounts.people import People, make_people
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID
from tests.grading.quiz import CHOICE, ESSAY, import_graded_quiz, submitted_attempt
from tests.grading.test_grading import RUBRIC
from ui.context import AppContext
from ui.main_window import MainWindow


@pytest.fixture
def people(store: Store, tmp_path: Path) -> People:
    import_graded_quiz(store, tmp_path / "course")
    people = make_people(store)
    with store.write() as s:
        set_rubric(s, people.teacher, COURSE_ID, QUIZ_ID, ESSAY, RUBRIC)
    return people


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(AppContext(store), start_sync=False)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


def sign_in_as(window: MainWindow, user_id: str) -> None:
    # The secret part of signing in is covered in tests/accounts; here the window is handed
    # the chosen profile the way the picker hands it over.
    window.choose_profile(window.ctx.read(lambda s: get_profile(s, user_id)))


def test_grading_is_offered_to_teachers_only(window: MainWindow, people: People) -> None:
    sign_in_as(window, people.amina)
    assert not window.grading_action.isVisible()
    window.show_grading()
    assert window.stack.currentWidget() is not getattr(window, "_grading_page", None)
    sign_in_as(window, people.teacher)
    assert window.grading_action.isVisible()
    sign_in_as(window, people.parent)
    assert not window.grading_action.isVisible()


def test_a_teacher_grades_with_the_rubric_and_the_learner_reads_it(
    window: MainWindow, store: Store, people: People
) -> None:
    attempt_id = submitted_attempt(store, people.amina)
    sign_in_as(window, people.teacher)
    window.show_grading()
    page = window.grading_page
    assert window.stack.currentWidget() is page
    assert page.queue.count() == 1 and "Amina" in page.queue.item(0).text()
    assert set(page.rubric_boxes) == {"idea", "units"}
    page.rubric_boxes["idea"].setCurrentIndex(2)  # Clear (2)
    page.rubric_boxes["units"].setCurrentIndex(3)  # Right (2)
    assert page.score.value() == 4.0
    page.comment.setPlainText("Well explained.")
    page.save_button.click()
    assert "Saved: 4 points for Amina" in page.message.text()
    assert page.queue.count() == 0

    sign_in_as(window, people.amina)
    window.quiz.show_quiz(COURSE_ID, QUIZ_ID)
    shown = window.quiz.result_view.toPlainText()
    assert "Mr Teacher gave 4 of 4 points" in shown
    assert "Well explained." in shown and "Units: Right (2)" in shown
    assert window.quiz.result is not None and window.quiz.result.attempt_id == attempt_id


def test_a_score_is_overridden_and_a_question_regraded_from_the_page(
    window: MainWindow, store: Store, people: People
) -> None:
    submitted_attempt(store, people.amina, choice="c")
    sign_in_as(window, people.teacher)
    window.show_grading()
    page = window.grading_page
    page.show_all.setChecked(True)
    rows = [page.queue.item(i).text() for i in range(page.queue.count())]
    assert any(CHOICE in r and "(auto)" in r for r in rows)
    page.queue.setCurrentRow(next(i for i, r in enumerate(rows) if CHOICE in r))
    page.score.setValue(1.5)
    page.save_button.click()
    assert "Saved: 1.5 points" in page.message.text()
    assert page.regrade_choice.count() == 1
    page.regrade_button.click()
    # The override stands: regrading by key leaves a teacher's grade alone.
    assert "Regraded 1 answers to choice: 0 changed" in page.message.text()

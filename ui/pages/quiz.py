"""Taking a quiz: one question per page, previous/next, saved answers, submit, then the review."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.attempts import (
    AttemptError,
    AttemptResult,
    AttemptView,
    last_result,
    save_answer,
    set_position,
    start_or_resume,
    submit,
)
from app.lessons import render_lesson_html
from ui.context import AppContext
from ui.widgets.answers import AnswerWidget, answer_widget_for


def format_response(response: object) -> str:
    if response is None or response == []:
        return "(no answer)"
    if isinstance(response, bool):
        return "True" if response else "False"
    if isinstance(response, list):
        return ", ".join(map(str, response))
    return str(response)


def result_html(
    result: AttemptResult, option_text: dict[str, dict[str, str]], math_cache: Path | None = None
) -> str:
    verdict = "Passed" if result.passed else "Not passed yet"
    parts = [
        f"<h2>Score: {round(result.score * 100)}% — {verdict}</h2>",
        f"<p>{result.points:g} of {result.max_points:g} points. "
        f"Pass mark: {round(result.passing_score * 100)}%.</p>",
    ]
    for number, q in enumerate(result.questions, 1):
        texts = option_text.get(q.question_id, {})
        given = q.response
        if isinstance(given, list):
            shown = ", ".join(texts.get(str(g), str(g)) for g in given) or "(no answer)"
        else:
            shown = (
                texts.get(given, format_response(given))
                if isinstance(given, str)
                else format_response(given)
            )
        mark = "✓" if q.correct else ("½" if q.earned > 0 else "✗")
        parts.append(
            f"<h3>{mark} Question {number} ({q.earned:g}/{q.points:g})</h3>"
            f"{render_lesson_html(q.prompt_md, math_cache=math_cache)}"
            f"<p><b>Your answer:</b> {html.escape(shown)}<br>"
            f"<b>Correct answer:</b> {html.escape(q.correct_answer)}</p>"
        )
        if q.feedback:
            feedback = render_lesson_html(q.feedback, math_cache=math_cache)
            parts.append(f"<blockquote>{feedback}</blockquote>")
    return "\n".join(parts)


class QuizRunner(QWidget):
    back = Signal()
    submitted = Signal(object)  # AttemptResult

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        # Formulas are drawn once and cached beside the store (app.lessons.math).
        self.math_cache = ctx.store.data_dir / "cache" / "math"
        self.view: AttemptView | None = None
        self.index = 0
        self.answer: AnswerWidget | None = None
        self.title = QLabel()
        self.stack = QStackedWidget()

        # -- the question page
        question_page = QWidget()
        self.counter = QLabel()
        self.prompt = QTextBrowser()
        self.prompt.setAccessibleName("Question")
        self.prompt.setMaximumHeight(180)
        self.answer_holder = QVBoxLayout()
        self.saved_label = QLabel()
        self.prev_button = QPushButton("← Previous")
        self.prev_button.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next_button = QPushButton("Next →")
        self.next_button.clicked.connect(lambda: self.go_to(self.index + 1))
        self.submit_button = QPushButton("Submit quiz")
        self.submit_button.clicked.connect(self.request_submit)
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        self.confirm_button = QPushButton("Submit anyway")
        self.confirm_button.clicked.connect(self.submit_now)
        self.confirm_label.hide()
        self.confirm_button.hide()
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.saved_label, 1)
        nav.addWidget(self.next_button)
        nav.addWidget(self.submit_button)
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_label, 1)
        confirm.addWidget(self.confirm_button)
        q_layout = QVBoxLayout(question_page)
        q_layout.addWidget(self.counter)
        q_layout.addWidget(self.prompt)
        q_layout.addLayout(self.answer_holder, 1)
        q_layout.addLayout(nav)
        q_layout.addLayout(confirm)
        q_layout.addWidget(self.error)

        # -- the result page
        result_page = QWidget()
        self.result_view = QTextBrowser()
        self.result_view.setAccessibleName("Quiz results")
        self.retry_button = QPushButton("Try again")
        self.retry_button.clicked.connect(self._retry)
        r_layout = QVBoxLayout(result_page)
        r_layout.addWidget(self.result_view, 1)
        r_layout.addWidget(self.retry_button)

        self.stack.addWidget(question_page)
        self.stack.addWidget(result_page)
        back_button = QPushButton("← Back to course")
        back_button.clicked.connect(self._leave)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(back_button)
        self.course_id = ""
        self.item_id = ""
        self.result: AttemptResult | None = None

    # -- starting ----------------------------------------------------------------------------
    def show_quiz(self, course_id: str, item_id: str, *, review_last: bool = True) -> None:
        self.course_id, self.item_id = course_id, item_id
        self.error.clear()
        if review_last:
            last = self.ctx.read(lambda s: last_result(s, self.ctx.user_id, course_id, item_id))
            if last is not None and not self._has_open_attempt():
                self._show_result(last)
                return
        try:
            self.view = self.ctx.record(
                lambda s: start_or_resume(s, self.ctx.user_id, course_id, item_id)
            )
        except AttemptError as exc:
            self.title.setText("<h2>Quiz</h2>")
            self.error.setText(str(exc))
            self.stack.setCurrentIndex(0)
            return
        self.title.setText(f"<h2>{html.escape(self.view.title)}</h2>")
        self.stack.setCurrentIndex(0)
        self.go_to(self.view.current_index, save_position=False)

    def _has_open_attempt(self) -> bool:
        from sqlalchemy import select

        from app.db.models import Attempt, AttemptStatus

        return (
            self.ctx.read(
                lambda s: s.scalar(
                    select(Attempt.id).where(
                        Attempt.user_id == self.ctx.user_id,
                        Attempt.course_id == self.course_id,
                        Attempt.item_id == self.item_id,
                        Attempt.status == AttemptStatus.IN_PROGRESS,
                    )
                )
            )
            is not None
        )

    # -- moving between questions ------------------------------------------------------------
    def go_to(self, index: int, *, save_position: bool = True) -> None:
        assert self.view is not None
        self._commit_current()
        count = len(self.view.questions)
        self.index = max(0, min(index, count - 1))
        if save_position:
            attempt_id = self.view.attempt_id
            with self.ctx.write() as session:
                set_position(session, attempt_id, self.index)
        question = self.view.questions[self.index]
        self.counter.setText(
            f"Question {self.index + 1} of {count}  ·  {question.points:g} point(s)"
        )
        self.prompt.setHtml(render_lesson_html(question.prompt_md, math_cache=self.math_cache))
        if self.answer is not None:
            self.answer.changed.disconnect()
            self.answer_holder.removeWidget(self.answer)
            self.answer.deleteLater()
        self.answer = answer_widget_for(question)
        self.answer.set_value(self.view.responses.get(question.question_id))
        self.answer.changed.connect(self._save_current)
        self.answer_holder.addWidget(self.answer)
        self.saved_label.setText(
            "Answer saved" if question.question_id in self.view.responses else ""
        )
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < count - 1)
        self.confirm_label.hide()
        self.confirm_button.hide()

    def _commit_current(self) -> None:
        if self.answer is not None and hasattr(self.answer, "commit"):
            self.answer.commit()

    def _save_current(self) -> None:
        if self.view is None or self.answer is None:
            return
        question = self.view.questions[self.index]
        value = self.answer.value()
        if self.view.responses.get(question.question_id) == value:
            return
        attempt_id = self.view.attempt_id
        try:
            # Written and committed (synchronous=FULL) before the learner is told it is saved.
            self.ctx.record(lambda s: save_answer(s, attempt_id, question.question_id, value))
        except AttemptError as exc:
            self.error.setText(str(exc))
            return
        self.view.responses[question.question_id] = value
        self.saved_label.setText("Answer saved")

    # -- submitting --------------------------------------------------------------------------
    def unanswered(self) -> int:
        assert self.view is not None
        return sum(
            1
            for q in self.view.questions
            if self.view.responses.get(q.question_id) in (None, [], "")
        )

    def request_submit(self) -> None:
        self._commit_current()
        missing = self.unanswered()
        if missing:
            self.confirm_label.setText(
                f"{missing} question(s) have no answer yet. Unanswered questions score 0."
            )
            self.confirm_label.show()
            self.confirm_button.show()
            return
        self.submit_now()

    def submit_now(self) -> None:
        assert self.view is not None
        self._commit_current()
        attempt_id = self.view.attempt_id
        result = self.ctx.record(lambda s: submit(s, attempt_id))
        self.view = None
        self._show_result(result)
        self.submitted.emit(result)

    def _show_result(self, result: AttemptResult) -> None:
        from app.courses.catalog import get_item

        def options(session):
            item = get_item(session, self.course_id, self.item_id)
            assert item.assessment is not None
            return item.title, {
                q.question_id: {o["id"]: o["text"] for o in q.options}
                for q in item.assessment.questions
            }

        title, option_text = self.ctx.read(options)
        self.result = result
        self.title.setText(f"<h2>{html.escape(title)}</h2>")
        self.result_view.setHtml(result_html(result, option_text, self.math_cache))
        self.stack.setCurrentIndex(1)

    def _retry(self) -> None:
        self.show_quiz(self.course_id, self.item_id, review_last=False)

    def _leave(self) -> None:
        self._commit_current()
        self.back.emit()

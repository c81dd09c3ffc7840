"""Taking a quiz: one question per page, previous/next, saved answers, submit, then the review."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.adaptive_attempts import (
    AdaptiveView,
    adaptive_review,
    adaptive_rules,
    commit_answer,
    start_or_resume_adaptive,
    submit_adaptive,
)
from app.attempts import (
    AttemptError,
    AttemptResult,
    AttemptView,
    ElapsedClock,
    check_answer,
    last_result,
    record_time,
    save_answer,
    set_position,
    start_or_resume,
    submit,
    take_hint,
)
from app.db.models import AttemptStatus
from app.db.store import DiskFullError
from app.lessons import render_lesson_html
from ui.context import AppContext
from ui.widgets.answers import AnswerWidget, TextAnswer, answer_widget_for
from ui.widgets.teacher_grade import teacher_grade_html

# How often the running clock is written to the store: a crash loses at most this much of the
# learner's counted time (and every answer saves it too).
PERSIST_EVERY_S = 5.0
CONFIDENCE_LEVELS = ["How sure are you?", "1 – guessing", "2", "3", "4", "5 – certain"]


def format_remaining(seconds: float) -> str:
    whole = int(seconds + 0.999)  # 0.2 s left still shows as 0:01, so 0:00 means time is up
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_response(response: object) -> str:
    if response is None or response == []:
        return "(no answer)"
    if isinstance(response, bool):
        return "True" if response else "False"
    if isinstance(response, list):
        return ", ".join(map(str, response))
    if isinstance(response, dict):
        if "sha256" in response:  # a handed-in file or drawing
            return f"{response.get('name') or 'file'} ({response.get('size', 0)} bytes)"
        return "; ".join(f"{k}: {format_response(v)}" for k, v in response.items())
    return str(response)


def result_html(
    result: AttemptResult,
    option_text: dict[str, dict[str, str]],
    math_cache: Path | None = None,
    ability: str = "",
) -> str:
    verdict = "Passed" if result.passed else "Not passed yet"
    if result.awaiting_grading:
        verdict = "Waiting for your teacher"
    parts = []
    if result.status == AttemptStatus.TIMED_OUT:
        parts.append("<p><b>Time is up.</b> Your saved answers were submitted.</p>")
    parts += [
        f"<h2>Score: {round(result.score * 100)}% — {verdict}</h2>",
        f"<p>{result.points:g} of {result.max_points:g} points. "
        f"Pass mark: {round(result.passing_score * 100)}%.</p>",
    ]
    if ability:  # an adaptive quiz: what the answers say about the learner
        parts.append(f"<p><b>Your level:</b> {html.escape(ability)}</p>")
    if result.awaiting_grading:
        parts.append(
            f"<p>{result.awaiting_grading} question(s) wait for your teacher to grade them; "
            f"the score counts them as 0 until then.</p>"
        )
    if result.counted_score is not None and result.attempt_policy != "best":
        parts.append(
            f"<p>Your result for this quiz ({result.attempt_policy} attempt"
            f"{'s' if result.attempt_policy == 'average' else ''}): "
            f"{round(result.counted_score * 100)}%.</p>"
        )
    if result.feedback_hidden_until is not None:
        when = result.feedback_hidden_until.strftime("%Y-%m-%d %H:%M UTC")
        parts.append(f"<p>Correct answers and feedback are shown after the due date, {when}.</p>")
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
        mark = "…" if q.awaiting_grading else ("✓" if q.correct else ("½" if q.earned > 0 else "✗"))
        parts.append(
            f"<h3>{mark} Question {number} ({q.earned:g}/{q.points:g})</h3>"
            f"{render_lesson_html(q.prompt_md, math_cache=math_cache)}"
            f"<p><b>Your answer:</b> {html.escape(shown)}"
            + (
                f"<br><b>Correct answer:</b> {html.escape(q.correct_answer)}"
                if q.correct_answer
                else ""
            )
            + (f"<br>Hints used: {q.hints_used}" if q.hints_used else "")
            + "</p>"
        )
        if q.feedback:
            feedback = render_lesson_html(q.feedback, math_cache=math_cache)
            parts.append(f"<blockquote>{feedback}</blockquote>")
        if q.teacher is not None:
            parts.append(teacher_grade_html(q.teacher))
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
        self.time_label = QLabel()
        self.time_label.setAccessibleName("Time remaining")
        self.time_label.hide()
        self.hint_button = QPushButton("Show a hint")
        self.hint_button.clicked.connect(self._take_hint)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.confidence = QComboBox()
        self.confidence.addItems(CONFIDENCE_LEVELS)
        self.confidence.setAccessibleName("Confidence")
        self.confidence.activated.connect(lambda _i: self._save_current(force=True))
        self.feedback_label = QLabel()
        self.feedback_label.setWordWrap(True)
        self.prev_button = QPushButton("← Previous")
        self.prev_button.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next_button = QPushButton("Next →")
        self.next_button.clicked.connect(lambda: self.go_to(self.index + 1))
        self.submit_button = QPushButton("Submit quiz")
        self.submit_button.clicked.connect(self.request_submit)
        # Adaptive quizzes: no previous/next, since the next question depends on this answer.
        self.confirm_answer_button = QPushButton("Confirm answer →")
        self.confirm_answer_button.clicked.connect(self.confirm_adaptive_answer)
        self.confirm_answer_button.hide()
        self.adaptive: AdaptiveView | None = None
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
        nav.addWidget(self.confirm_answer_button)
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_label, 1)
        confirm.addWidget(self.confirm_button)
        q_layout = QVBoxLayout(question_page)
        top = QHBoxLayout()
        top.addWidget(self.counter, 1)
        top.addWidget(self.time_label)
        q_layout.addLayout(top)
        q_layout.addWidget(self.prompt)
        q_layout.addLayout(self.answer_holder, 1)
        extras = QHBoxLayout()
        extras.addWidget(self.confidence)
        extras.addWidget(self.hint_button)
        extras.addStretch(1)
        q_layout.addLayout(extras)
        q_layout.addWidget(self.hint_label)
        q_layout.addWidget(self.feedback_label)
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
        # The attempt's clock (monotonic), when the current question was shown, when the clock
        # was last written to the store.
        self.clock: ElapsedClock | None = None
        self.question_shown_at = 0.0
        self.persisted_at = 0.0
        self.ticker = QTimer(self, interval=250)
        self.ticker.timeout.connect(self._tick)

    # -- starting ----------------------------------------------------------------------------
    def show_quiz(self, course_id: str, item_id: str, *, review_last: bool = True) -> None:
        self._persist_time()  # the attempt open until now, if any, keeps its counted time
        self.ticker.stop()
        self.view = None
        self.course_id, self.item_id = course_id, item_id
        self.error.clear()
        if review_last:
            last = self.ctx.read(lambda s: last_result(s, self.ctx.user_id, course_id, item_id))
            if last is not None and not self._has_open_attempt():
                self._show_result(last)
                return
        try:
            self.view = self.ctx.record(lambda s: self._start(s, course_id, item_id))
        except AttemptError as exc:
            self.title.setText("<h2>Quiz</h2>")
            self.error.setText(str(exc))
            self.stack.setCurrentIndex(0)
            return
        self.title.setText(f"<h2>{html.escape(self.view.title)}</h2>")
        self.stack.setCurrentIndex(0)
        self.clock = ElapsedClock(self.view.elapsed_s)
        self.persisted_at = self.question_shown_at = self.clock.elapsed()
        self.time_label.setVisible(self.view.time_limit_s is not None)
        self.confidence.setVisible(self.view.ask_confidence)
        for button in (self.prev_button, self.next_button, self.submit_button):
            button.setVisible(self.adaptive is None)
        self.confirm_answer_button.setVisible(self.adaptive is not None)
        if self.adaptive is not None and self.adaptive.current is None:
            self.index = max(0, len(self.view.questions) - 1)
            self.submit_now()  # stopped but not submitted (Slate closed in between): close it
            return
        self.go_to(self.view.current_index, save_position=False)
        self.ticker.start()
        self._tick()

    def _start(self, session, course_id: str, item_id: str) -> AttemptView:
        self.adaptive = None
        if adaptive_rules(session, course_id, item_id) is None:
            return start_or_resume(session, self.ctx.user_id, course_id, item_id)
        self.adaptive = start_or_resume_adaptive(session, self.ctx.user_id, course_id, item_id)
        return self.adaptive.attempt

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
        left = self.view.questions[min(self.index, count - 1)].question_id
        self.index = max(0, min(index, count - 1))
        if save_position:
            attempt_id = self.view.attempt_id
            elapsed, spent = self._time_on_question()
            with self.ctx.write() as session:
                record_time(session, attempt_id, elapsed, question_id=left, question_s=spent)
                set_position(session, attempt_id, self.index)
            self.persisted_at = elapsed
        question = self.view.questions[self.index]
        self.counter.setText(
            f"Question {self.index + 1} of {count}  ·  {question.points:g} point(s)"
        )
        self.prompt.setHtml(render_lesson_html(question.prompt_md, math_cache=self.math_cache))
        if self.answer is not None:
            self.answer.changed.disconnect()
            self.answer_holder.removeWidget(self.answer)
            self.answer.deleteLater()
        self.answer = answer_widget_for(question, media_dir=self.ctx.media_dir)
        self.answer.set_value(self.view.responses.get(question.question_id))
        self.answer.changed.connect(self._save_current)
        if isinstance(self.answer, TextAnswer):
            # Typed text is not saved until the save below commits: never leave "saved" showing.
            self.answer.edit.textEdited.connect(lambda _t: self.saved_label.setText("Saving…"))
        self.answer_holder.addWidget(self.answer)
        self.confidence.setCurrentIndex(self.view.confidence.get(question.question_id, 0))
        used = self.view.hints_used.get(question.question_id, 0)
        self.hint_button.setVisible(question.hint_count > 0)
        self.hint_button.setEnabled(used < question.hint_count)
        self.hint_label.setText(f"{used} hint(s) used for this question." if used else "")
        self.feedback_label.clear()
        self.saved_label.setText(
            "Answer saved" if question.question_id in self.view.responses else ""
        )
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < count - 1)
        self.confirm_label.hide()
        self.confirm_button.hide()
        if self.adaptive is not None:
            status = self.adaptive.status
            more = f"about {status.about_left} more" if status.about_left else "probably the last"
            self.counter.setText(f"Question {status.number}, {more}")

    def _commit_current(self) -> None:
        if self.answer is not None and hasattr(self.answer, "commit"):
            self.answer.commit()

    def _save_current(self, *, force: bool = False) -> None:
        if self.view is None or self.answer is None or self.clock is None:
            return
        question = self.view.questions[self.index]
        value = self.answer.value()
        confidence = self.confidence.currentIndex() if self.view.ask_confidence else 0
        if self.view.responses.get(question.question_id) == value and not force:
            if question.question_id in self.view.responses:
                self.saved_label.setText("Answer saved")
            return
        attempt_id = self.view.attempt_id
        elapsed = self.clock.elapsed()
        try:
            # Written and committed (synchronous=FULL) before the learner is told it is saved.
            self.ctx.record(
                lambda s: save_answer(
                    s,
                    attempt_id,
                    question.question_id,
                    value,
                    confidence=confidence or None,
                    elapsed_s=elapsed,
                )
            )
        except (AttemptError, DiskFullError) as exc:  # a full disk: say so, keep the answer
            self.error.setText(str(exc))
            return
        self.persisted_at = elapsed
        self.view.responses[question.question_id] = value
        if confidence:
            self.view.confidence[question.question_id] = confidence
        self.saved_label.setText("Answer saved")
        # Adaptive: feedback only once the answer is confirmed (it could be changed before).
        if self.view.feedback_timing == "immediate" and self.adaptive is None:
            checked = self.ctx.read(lambda s: check_answer(s, attempt_id, question.question_id))
            if checked is not None:
                verdict = "Correct." if checked.correct else "Not quite."
                self.feedback_label.setText(f"{verdict} {checked.feedback}".strip())

    def _take_hint(self) -> None:
        if self.view is None:
            return
        question_id = self.view.questions[self.index].question_id
        attempt_id = self.view.attempt_id
        try:
            hint = self.ctx.record(lambda s: take_hint(s, attempt_id, question_id))
        except AttemptError as exc:
            self.error.setText(str(exc))
            return
        used = self.view.hints_used.get(question_id, 0) + 1
        self.view.hints_used[question_id] = used
        self.hint_label.setText(f"Hint {used}: {hint}")
        self.hint_button.setEnabled(used < self.view.questions[self.index].hint_count)

    def confirm_adaptive_answer(self) -> None:
        """Count the saved answer and show the question the engine picks next (or the review)."""
        if self.view is None or self.adaptive is None or self.adaptive.current is None:
            return
        self._commit_current()
        self._save_current()
        question_id = self.adaptive.current.question_id
        if self.view.responses.get(question_id) in (None, [], ""):
            self.error.setText("Answer this question first: the next one depends on it.")
            return
        attempt_id = self.view.attempt_id
        elapsed, spent = self._time_on_question()

        def confirm(session):
            record_time(session, attempt_id, elapsed, question_id=question_id, question_s=spent)
            view = commit_answer(session, attempt_id, question_id, elapsed_s=elapsed)
            # The last answer closes the attempt in the same transaction.
            done = submit_adaptive(session, attempt_id) if view.status.finished else None
            checked = None
            if done is None and view.attempt.feedback_timing == "immediate":
                checked = check_answer(session, attempt_id, question_id)
            return view, done, checked

        try:
            view, done, checked = self.ctx.record(confirm)
        except AttemptError as exc:
            self.error.setText(str(exc))
            return
        self.persisted_at = elapsed
        self.error.clear()
        if done is not None:
            self._closed(done.result)
            return
        self.adaptive, self.view = view, view.attempt
        self.go_to(len(view.attempt.questions) - 1, save_position=False)
        if checked is not None:
            verdict = "Correct." if checked.correct else "Not quite."
            self.feedback_label.setText(f"Last answer: {verdict} {checked.feedback}".strip())

    # -- the clock ---------------------------------------------------------------------------
    def _time_on_question(self) -> tuple[float, float]:
        """The attempt's elapsed time and the time since the current question was shown."""
        assert self.clock is not None
        now = self.clock.elapsed()
        spent, self.question_shown_at = now - self.question_shown_at, now
        return now, spent

    def remaining_s(self) -> float | None:
        if self.view is None or self.clock is None:
            return None
        return self.clock.remaining(self.view.time_limit_s)

    def _tick(self) -> None:
        if self.view is None or self.clock is None:
            self.ticker.stop()
            return
        remaining = self.remaining_s()
        if remaining is not None:
            self.time_label.setText(f"Time left: {format_remaining(remaining)}")
            if remaining <= 0:
                self._time_up()
                return
        if self.clock.elapsed() - self.persisted_at >= PERSIST_EVERY_S:
            self._persist_time()

    def _persist_time(self) -> None:
        if self.view is None or self.clock is None:
            return
        attempt_id = self.view.attempt_id
        question_id = self.view.questions[self.index].question_id
        elapsed, spent = self._time_on_question()
        try:
            with self.ctx.write() as session:
                record_time(session, attempt_id, elapsed, question_id=question_id, question_s=spent)
        except AttemptError:
            return
        self.persisted_at = elapsed

    def _time_up(self) -> None:
        # The answer being typed counts: save it, then submit (closed as timed_out).
        self._commit_current()
        if self.view is not None:
            self.submit_now()

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
        if self.view is None:
            return
        self._commit_current()
        if self.view is None:
            return
        attempt_id = self.view.attempt_id
        question_id = self.view.questions[self.index].question_id
        elapsed, spent = self._time_on_question()

        adaptive = self.adaptive is not None

        def close_attempt(session):
            record_time(session, attempt_id, elapsed, question_id=question_id, question_s=spent)
            if adaptive:
                return submit_adaptive(session, attempt_id, elapsed_s=elapsed).result
            return submit(session, attempt_id, elapsed_s=elapsed)

        self.ticker.stop()
        try:
            result = self.ctx.record(close_attempt)
        except AttemptError as exc:
            # Refused (an essay over its word limit, say): the attempt stays open and its clock
            # goes on.
            self.error.setText(str(exc))
            self.ticker.start()
            return
        self._closed(result)

    def _closed(self, result: AttemptResult) -> None:
        self.ticker.stop()
        self.view = None
        self.adaptive = None
        self.time_label.hide()
        self._show_result(result)
        self.submitted.emit(result)

    def _show_result(self, result: AttemptResult) -> None:
        from app.courses.catalog import get_item

        def options(session):
            item = get_item(session, self.course_id, self.item_id)
            assert item.assessment is not None
            ability = ""
            if item.assessment.adaptive is not None:
                summary = adaptive_review(session, result.attempt_id)
                ability = (
                    f"{summary.ability_text} {summary.correct} of {summary.asked} answers "
                    "were right."
                )
            texts = {
                q.question_id: {o["id"]: o["text"] for o in q.options}
                for q in item.assessment.questions
            }
            return item.title, ability, texts

        title, ability, option_text = self.ctx.read(options)
        self.result = result
        self.title.setText(f"<h2>{html.escape(title)}</h2>")
        self.result_view.setHtml(result_html(result, option_text, self.math_cache, ability))
        self.stack.setCurrentIndex(1)

    def _retry(self) -> None:
        self.show_quiz(self.course_id, self.item_id, review_last=False)

    def _leave(self) -> None:
        self._commit_current()
        # The clock keeps running while the learner looks elsewhere in Slate (an exam is not
        # paused by opening a lesson); it stops only when Slate closes or another quiz opens.
        self._persist_time()
        self.back.emit()

"""The teacher's grading queue: pick an answer, choose rubric levels or type a score, comment,
save; and regrade a whole question after its key was fixed.

Every rule (who may grade whom, what a score may be, how a conflict resolves) is in
app/grading and app/accounts/permissions; this page shows and delegates. The main window
offers it only when `allowed(..., GRADING_OPEN)`; each save is checked again by the service.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.errors import SlateError
from app.grading.queue import (
    AnswerForGrading,
    QueueEntry,
    answer_for_grading,
    grading_queue,
    regradable_questions,
)
from app.grading.service import grade_answer, regrade_question
from ui.context import AppContext

REASONS = {"ungraded": "to grade", "conflict": "conflict", "graded": "graded", "auto": "auto"}


def describe_response(response: Any) -> str:
    """A learner's response as text for the teacher (files by name; the file is in the store)."""
    if response is None:
        return "(no answer)"
    if isinstance(response, dict) and "sha256" in response:
        return f"File handed in: {response.get('name', '')} ({response.get('size', 0)} bytes)"
    if isinstance(response, dict) and "code" in response:
        return f"[{response.get('language', '')}]\n{response['code']}"
    if isinstance(response, list):
        return ", ".join(str(r) for r in response)
    return str(response)


class GradingPage(QWidget):
    back = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.current: AnswerForGrading | None = None
        self.queue = QListWidget()
        self.queue.setAccessibleName("Answers to grade")
        self.queue.currentItemChanged.connect(lambda item, _prev: self._open(item))
        self.show_all = QCheckBox("Show graded answers too (to override a score)")
        self.show_all.toggled.connect(lambda _on: self.refresh())
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.response = QTextBrowser()
        self.response.setAccessibleName("The learner's answer")
        self.conflict = QLabel()
        self.conflict.setWordWrap(True)
        self.conflict.setStyleSheet("color: #8a4b00")
        self.rubric_form = QFormLayout()
        self.rubric_boxes: dict[str, QComboBox] = {}
        self.score = QDoubleSpinBox()
        self.score.setDecimals(2)
        self.score.setSingleStep(0.5)
        self.score.setAccessibleName("Score")
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("Comment for the learner")
        self.comment.setAccessibleName("Comment")
        self.save_button = QPushButton("Save grade")
        self.save_button.clicked.connect(self.save_grade)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.regrade_choice = QComboBox()
        self.regrade_choice.setAccessibleName("Question to regrade")
        self.regrade_button = QPushButton("Regrade question")
        self.regrade_button.clicked.connect(self.regrade)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel("<h2>Grading</h2>"))
        left_layout.addWidget(self.queue, 1)
        left_layout.addWidget(self.show_all)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.prompt)
        right_layout.addWidget(self.response, 1)
        right_layout.addWidget(self.conflict)
        right_layout.addLayout(self.rubric_form)
        score_row = QFormLayout()
        score_row.addRow("Score", self.score)
        right_layout.addLayout(score_row)
        right_layout.addWidget(self.comment)
        right_layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        right_layout.addWidget(self.message)
        regrade_row = QHBoxLayout()
        regrade_row.addWidget(QLabel("After fixing a key:"))
        regrade_row.addWidget(self.regrade_choice, 1)
        regrade_row.addWidget(self.regrade_button)
        right_layout.addLayout(regrade_row)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._set_editable(False)

    @property
    def actor_id(self) -> str:
        return self.ctx.user_id

    def refresh(self) -> None:
        everything = self.show_all.isChecked()
        entries = self.ctx.read(lambda s: grading_queue(s, self.actor_id, everything=everything))
        self.queue.blockSignals(True)
        self.queue.clear()
        for entry in entries:
            item = QListWidgetItem(
                f"{entry.learner_name} · {entry.quiz_title} · {entry.question_id} "
                f"({REASONS.get(entry.reason, entry.reason)})"
            )
            item.setData(Qt.ItemDataRole.UserRole, entry)
            self.queue.addItem(item)
        self.queue.blockSignals(False)
        questions = self.ctx.read(lambda s: regradable_questions(s, self.actor_id))
        self.regrade_choice.clear()
        for q in questions:
            self.regrade_choice.addItem(q.label, q)
        self.regrade_button.setEnabled(bool(questions))
        if self.queue.count():
            self.queue.setCurrentRow(0)
            self._open(self.queue.item(0))
        else:
            self.current = None
            self.heading.setText("Nothing is waiting to be graded.")
            self.prompt.clear()
            self.response.clear()
            self.conflict.clear()
            self._set_editable(False)

    def _set_editable(self, on: bool) -> None:
        for widget in (self.score, self.comment, self.save_button):
            widget.setEnabled(on)

    def _open(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        entry: QueueEntry = item.data(Qt.ItemDataRole.UserRole)
        try:
            detail = self.ctx.read(
                lambda s: answer_for_grading(s, self.actor_id, entry.attempt_id, entry.question_id)
            )
        except SlateError as exc:
            self.message.setText(str(exc))
            return
        self.current = detail
        self.heading.setText(
            f"<b>{entry.learner_name}</b> · {entry.quiz_title} · question {entry.question_id} "
            f"({entry.question_type}, {detail.points:g} points)"
        )
        self.prompt.setText(detail.prompt_md)
        self.response.setPlainText(describe_response(detail.response))
        if detail.conflicting:
            counting = f"{detail.current['score']:g} points" if detail.current else "none"
            others = "; ".join(
                f"{r['score']:g} points ({r['comment'] or 'no comment'})"
                for r in detail.conflicting
            )
            self.conflict.setText(
                f"Graded on two computers at the same time. Counting now: {counting}; "
                f"also given: {others}. Saving a grade settles it."
            )
        else:
            self.conflict.clear()
        self._build_rubric(detail)
        self.score.setMaximum(detail.points)
        self.score.setValue(detail.current["score"] if detail.current else 0.0)
        self.comment.setPlainText(detail.current["comment"] if detail.current else "")
        self.message.clear()
        self._set_editable(True)

    def _build_rubric(self, detail: AnswerForGrading) -> None:
        while self.rubric_form.rowCount():
            self.rubric_form.removeRow(0)
        self.rubric_boxes = {}
        chosen = detail.current["rubric"] if detail.current else {}
        for criterion in detail.rubric:
            box = QComboBox()
            box.setAccessibleName(criterion.title)
            box.addItem("—", None)
            for level in criterion.levels:
                box.addItem(f"{level.title} ({level.points:g})", level.id)
                if chosen.get(criterion.id) == level.id:
                    box.setCurrentIndex(box.count() - 1)
            box.currentIndexChanged.connect(lambda _i: self._rubric_total())
            self.rubric_boxes[criterion.id] = box
            self.rubric_form.addRow(criterion.title, box)

    def rubric_choices(self) -> dict[str, str]:
        return {
            cid: box.currentData() for cid, box in self.rubric_boxes.items() if box.currentData()
        }

    def _rubric_total(self) -> None:
        # The score follows the rubric while every criterion has a level; it can still be
        # typed over afterwards (an override).
        if self.current is None or len(self.rubric_choices()) != len(self.rubric_boxes):
            return
        points = {(c.id, lv.id): lv.points for c in self.current.rubric for lv in c.levels}
        self.score.setValue(sum(points[item] for item in self.rubric_choices().items()))

    def save_grade(self) -> None:
        if self.current is None:
            return
        entry = self.current.entry
        choices = self.rubric_choices()
        try:
            with self.ctx.write() as session:
                grade_answer(
                    session,
                    self.actor_id,
                    entry.attempt_id,
                    entry.question_id,
                    score=self.score.value(),
                    rubric_choices=choices if len(choices) == len(self.rubric_boxes) else None,
                    comment=self.comment.toPlainText(),
                )
        except SlateError as exc:
            self.message.setText(str(exc))
            return
        self.ctx.events_recorded.emit()
        saved = f"Saved: {self.score.value():g} points for {entry.learner_name}."
        row = self.queue.currentRow()
        self.refresh()
        if self.queue.count():
            self.queue.setCurrentRow(min(row, self.queue.count() - 1))
        self.message.setText(saved)

    def regrade(self) -> None:
        question = self.regrade_choice.currentData()
        if question is None:
            return
        try:
            with self.ctx.write() as session:
                summary = regrade_question(
                    session,
                    self.actor_id,
                    question.course_id,
                    question.item_id,
                    question.question_id,
                )
        except SlateError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(
            f"Regraded {summary.answers} answers to {question.question_id}: "
            f"{summary.changed} changed in {summary.attempts} attempts."
        )

"""One answer widget per question type. Each shows a response and reports changes.

`value()` returns the response in the form app.assess grades: an option id, a list of option
ids, a bool, or the text the learner typed (numbers are parsed by the grader, so "9,8" works).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.attempts import QuestionView


class AnswerWidget(QWidget):
    changed = Signal()

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError


class ChoiceAnswer(AnswerWidget):
    def __init__(self, question: QuestionView, *, multiple: bool) -> None:
        super().__init__()
        self.multiple = multiple
        self.group = QButtonGroup(self)
        self.group.setExclusive(not multiple)
        self.buttons: dict[str, QAbstractButton] = {}
        layout = QVBoxLayout(self)
        for option in question.options:
            button: QAbstractButton = (
                QCheckBox(option["text"]) if multiple else QRadioButton(option["text"])
            )
            button.setAccessibleName(option["text"])
            self.group.addButton(button)
            self.buttons[option["id"]] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def value(self) -> Any:
        chosen = [oid for oid, b in self.buttons.items() if b.isChecked()]
        if self.multiple:
            return chosen
        return chosen[0] if chosen else None

    def set_value(self, value: Any) -> None:
        wanted = set(value) if isinstance(value, list) else {value}
        self.group.blockSignals(True)
        for oid, button in self.buttons.items():
            button.setChecked(oid in wanted)
        self.group.blockSignals(False)


class TrueFalseAnswer(AnswerWidget):
    def __init__(self, question: QuestionView) -> None:
        super().__init__()
        self.true_button = QRadioButton("True")
        self.false_button = QRadioButton("False")
        self.group = QButtonGroup(self)
        self.group.addButton(self.true_button)
        self.group.addButton(self.false_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.true_button)
        layout.addWidget(self.false_button)
        layout.addStretch(1)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def value(self) -> Any:
        if self.true_button.isChecked():
            return True
        return False if self.false_button.isChecked() else None

    def set_value(self, value: Any) -> None:
        self.group.blockSignals(True)
        self.true_button.setChecked(value is True)
        self.false_button.setChecked(value is False)
        self.group.blockSignals(False)


class TextAnswer(AnswerWidget):
    """A line of text (short answer) or a number with an optional unit."""

    def __init__(self, question: QuestionView, *, numeric: bool) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Your answer")
        self.edit.setPlaceholderText("Type a number" if numeric else "Type your answer")
        # Save shortly after typing stops, and at once when the field is left.
        self._debounce = QTimer(self, singleShot=True, interval=700)
        self._debounce.timeout.connect(self.changed)
        self.edit.textEdited.connect(lambda _t: self._debounce.start())
        self.edit.editingFinished.connect(self.commit)
        layout = QHBoxLayout(self)
        layout.addWidget(self.edit, 1)
        if question.unit:
            layout.addWidget(QLabel(question.unit))
        layout.addStretch(0)

    def commit(self) -> None:
        self._debounce.stop()
        self.changed.emit()

    def value(self) -> Any:
        text = self.edit.text().strip()
        return text or None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))


def answer_widget_for(question: QuestionView) -> AnswerWidget:
    if question.type in ("single_choice", "multiple_choice"):
        return ChoiceAnswer(question, multiple=question.type == "multiple_choice")
    if question.type == "true_false":
        return TrueFalseAnswer(question)
    if question.type in ("numeric", "short_answer"):
        return TextAnswer(question, numeric=question.type == "numeric")
    raise ValueError(f"no widget for question type {question.type!r}")

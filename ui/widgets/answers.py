"""One answer widget per question type. Each shows a response and reports changes.

`value()` returns the response in the form app.assess grades: an option id, a list of option
ids, a bool, the text the learner typed (numbers are parsed by the grader, so "9,8" works), a
`{stem: option}` map (matching), a list of item ids (ordering), a `{blank: text}` map (blanks),
essay text, `{"language", "code"}` (code), or a stored file reference (upload, drawing; see
app.uploads). `value()` is None while nothing is answered; `set_value(value())` restores the
widget, without emitting `changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.assess.manual import count_words, format_size, is_media_reference
from app.attempts import QuestionView
from app.uploads import UploadRefused, store_bytes, store_upload, stored_path
from ui.widgets.code_editor import CodeEditor
from ui.widgets.drawing import DrawingCanvas

# Typing saves shortly after it stops, and at once when the field is left.
DEBOUNCE_MS = 700


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
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
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


def _debounced(owner: QWidget, emit: Callable[[], None]) -> QTimer:
    timer = QTimer(owner, singleShot=True, interval=DEBOUNCE_MS)
    timer.timeout.connect(emit)
    return timer


class MatchingAnswer(AnswerWidget):
    """A combo box of the options beside each stem."""

    NOT_CHOSEN = "— choose —"

    def __init__(self, stems: list[dict[str, str]], options: list[dict[str, str]]) -> None:
        super().__init__()
        self.combos: dict[str, QComboBox] = {}
        layout = QFormLayout(self)
        for stem in stems:
            combo = QComboBox()
            combo.addItem(self.NOT_CHOSEN, None)
            for option in options:
                combo.addItem(option["text"], option["id"])
            combo.setAccessibleName(f"Match for {stem['text']}")
            label = QLabel(stem["text"])
            label.setWordWrap(True)
            label.setBuddy(combo)
            layout.addRow(label, combo)
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            self.combos[stem["id"]] = combo

    def value(self) -> Any:
        chosen = {sid: c.currentData() for sid, c in self.combos.items() if c.currentData()}
        return chosen or None

    def set_value(self, value: Any) -> None:
        chosen = value if isinstance(value, dict) else {}
        for stem_id, combo in self.combos.items():
            combo.blockSignals(True)
            index = combo.findData(chosen.get(stem_id)) if chosen.get(stem_id) else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)


class OrderingAnswer(AnswerWidget):
    """A list with Move up / Move down buttons; Alt+Up and Alt+Down move the selected item.

    Until the learner moves something the question counts as unanswered (value() is None), so
    the order it was shown in is never taken for an answer.
    """

    def __init__(self, items: list[dict[str, str]]) -> None:
        super().__init__()
        self._shown = [dict(i) for i in items]
        self.touched = False
        self.list = QListWidget()
        self.list.setAccessibleName("Items to put in order")
        self.list.setAccessibleDescription("Alt+Up and Alt+Down move the selected item.")
        self.up = QPushButton("Move up")
        self.down = QPushButton("Move down")
        self.up.setAccessibleName("Move the selected item up")
        self.down.setAccessibleName("Move the selected item down")
        self.up.clicked.connect(lambda: self.move_selected(-1))
        self.down.clicked.connect(lambda: self.move_selected(1))
        self.list.installEventFilter(self)
        buttons = QVBoxLayout()
        buttons.addWidget(self.up)
        buttons.addWidget(self.down)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._fill([i["id"] for i in self._shown])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
            if event.modifiers() & Qt.KeyboardModifier.AltModifier and event.key() in steps:
                self.move_selected(steps[Qt.Key(event.key())])
                return True
        return super().eventFilter(watched, event)

    def _fill(self, order: list[str]) -> None:
        texts = {i["id"]: i["text"] for i in self._shown}
        self.list.clear()
        for item_id in order:
            item = QListWidgetItem(texts[item_id])
            item.setData(Qt.ItemDataRole.UserRole, item_id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)

    def order(self) -> list[str]:
        return [
            str(self.list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.list.count())
        ]

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self.touched = True
        self.changed.emit()

    def value(self) -> Any:
        return self.order() if self.touched else None

    def set_value(self, value: Any) -> None:
        known = [i["id"] for i in self._shown]
        if isinstance(value, list) and sorted(map(str, value)) == sorted(known):
            self._fill([str(v) for v in value])
            self.touched = True
        else:
            self._fill(known)
            self.touched = False


class BlanksAnswer(AnswerWidget):
    """One line edit per blank, labelled with the blank's label."""

    def __init__(self, blanks: list[dict[str, str]]) -> None:
        super().__init__()
        self.edits: dict[str, QLineEdit] = {}
        self._debounce = _debounced(self, self.changed.emit)
        layout = QFormLayout(self)
        for blank in blanks:
            edit = QLineEdit()
            label = QLabel(blank.get("label") or blank["id"])
            label.setBuddy(edit)
            edit.setAccessibleName(f"Blank: {label.text()}")
            edit.textEdited.connect(lambda _t: self._debounce.start())
            edit.editingFinished.connect(self.commit)
            layout.addRow(label, edit)
            self.edits[blank["id"]] = edit

    def commit(self) -> None:
        self._debounce.stop()
        self.changed.emit()

    def value(self) -> Any:
        filled = {bid: e.text().strip() for bid, e in self.edits.items() if e.text().strip()}
        return filled or None

    def set_value(self, value: Any) -> None:
        given = value if isinstance(value, dict) else {}
        for blank_id, edit in self.edits.items():
            text = given.get(blank_id)
            edit.setText("" if text is None else str(text))


class EssayAnswer(AnswerWidget):
    """A text area with a live word count against the question's limit."""

    def __init__(self, word_limit: int | None) -> None:
        super().__init__()
        self.word_limit = word_limit
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName("Your essay")
        self.edit.setTabChangesFocus(True)
        self.count = QLabel()
        self.count.setAccessibleName("Word count")
        self._debounce = _debounced(self, self.changed.emit)
        self.edit.textChanged.connect(self._text_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.count)
        self._show_count()

    def words(self) -> int:
        return count_words(self.edit.toPlainText())

    def over_limit(self) -> bool:
        return self.word_limit is not None and self.words() > self.word_limit

    def _show_count(self) -> None:
        words = self.words()
        if self.word_limit is None:
            self.count.setText(f"{words} words")
        elif self.over_limit():
            self.count.setText(
                f"{words} / {self.word_limit} words: {words - self.word_limit} over the limit"
            )
        else:
            self.count.setText(f"{words} / {self.word_limit} words")
        self.count.setStyleSheet("color: #b00020;" if self.over_limit() else "")

    def _text_changed(self) -> None:
        self._show_count()
        if not self.edit.signalsBlocked():
            self._debounce.start()

    def commit(self) -> None:
        """Report typing still waiting for the debounce now (the quiz calls it on leaving)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText(value if isinstance(value, str) else "")
        self.edit.blockSignals(False)
        self._show_count()


class FileUploadAnswer(AnswerWidget):
    """Choose a file; it is copied into the content store and the answer refers to it."""

    def __init__(self, media_dir: Path | None, *, max_bytes: int | None, accept: list[str]) -> None:
        super().__init__()
        self.media_dir = media_dir
        self.max_bytes = max_bytes
        self.accept = accept
        self.reference: dict[str, Any] | None = None
        self.choose = QPushButton("Choose file…")
        self.choose.setAccessibleName("Choose a file to hand in")
        self.remove = QPushButton("Remove")
        self.remove.setAccessibleName("Remove the chosen file")
        self.file_label = QLabel("No file chosen")
        self.file_label.setAccessibleName("Chosen file")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Upload message")
        limits = []
        if accept:
            limits.append("accepted: " + ", ".join(accept))
        if max_bytes is not None:
            limits.append(f"at most {format_size(max_bytes)}")
        self.limits = QLabel("; ".join(limits))
        self.choose.clicked.connect(self._pick)
        self.remove.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.choose)
        row.addWidget(self.remove)
        row.addWidget(self.file_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.limits)
        layout.addWidget(self.message)
        self._show()

    def _pick(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in self.accept)
        name, _filter = QFileDialog.getOpenFileName(
            self, "Choose a file to hand in", "", f"Accepted files ({patterns})" if patterns else ""
        )
        if name:
            self.attach(Path(name))

    def attach(self, path: Path) -> bool:
        """Store `path` as the answer; False (with the reason shown) if it is refused."""
        if self.media_dir is None:
            self.message.setText("Files cannot be handed in here.")
            return False
        try:
            reference = store_upload(
                self.media_dir, path, max_bytes=self.max_bytes, accept=self.accept
            )
        except UploadRefused as exc:
            self.message.setText(str(exc))
            return False
        self.reference = reference
        self.message.setText("")
        self._show()
        self.changed.emit()
        return True

    def _remove(self) -> None:
        self.reference = None
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        ref = self.reference
        self.file_label.setText(
            f"{ref['name']} ({format_size(ref['size'])})" if ref else "No file chosen"
        )
        self.remove.setEnabled(ref is not None)

    def value(self) -> Any:
        return dict(self.reference) if self.reference else None

    def set_value(self, value: Any) -> None:
        self.reference = dict(value) if is_media_reference(value) else None
        self.message.setText("")
        self._show()


def _tool_button(text: str, *, checkable: bool = False) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setCheckable(checkable)
    return button


class DrawingAnswer(AnswerWidget):
    """A canvas with pen, eraser and clear; the answer is the picture stored as a PNG."""

    def __init__(self, media_dir: Path | None, size: QSize | None = None) -> None:
        super().__init__()
        self.media_dir = media_dir
        self.canvas = DrawingCanvas(size)
        self.canvas.setAccessibleName("Drawing area")
        self.canvas.setAccessibleDescription("Draw with the mouse or a stylus.")
        self.pen = _tool_button("Pen", checkable=True)
        self.pen.setChecked(True)
        self.eraser = _tool_button("Eraser", checkable=True)
        self.clear = _tool_button("Clear")
        for button, name in (
            (self.pen, "Draw with the pen"),
            (self.eraser, "Erase"),
            (self.clear, "Clear the drawing"),
        ):
            button.setAccessibleName(name)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        tools = QButtonGroup(self)
        tools.addButton(self.pen)
        tools.addButton(self.eraser)
        self.eraser.toggled.connect(self._set_erasing)
        self.clear.clicked.connect(self.canvas.clear)
        self.canvas.stroke_finished.connect(self._drawn)
        self._saved: dict[str, Any] | None = None
        self._dirty = False
        bar = QHBoxLayout()
        for button in (self.pen, self.eraser, self.clear):
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.canvas)
        self.message = QLabel()
        layout.addWidget(self.message)

    def _set_erasing(self, erasing: bool) -> None:
        self.canvas.erasing = erasing

    def _drawn(self) -> None:
        self._dirty = True
        self.changed.emit()

    def value(self) -> Any:
        """The stored PNG's reference; the picture is stored only when it changed."""
        if self._dirty:
            self._dirty = False
            if self.canvas.is_blank():
                self._saved = None
            elif self.media_dir is None:
                self.message.setText("Drawings cannot be saved here.")
                self._saved = None
            else:
                self._saved = store_bytes(self.media_dir, self.canvas.to_png(), "drawing.png")
        return dict(self._saved) if self._saved else None

    def set_value(self, value: Any) -> None:
        self.canvas.blockSignals(True)
        self.canvas.clear()
        self.canvas.blockSignals(False)
        self._saved = None
        self._dirty = False
        if is_media_reference(value) and self.media_dir is not None:
            try:
                data = stored_path(self.media_dir, value).read_bytes()
            except (OSError, UploadRefused):
                self.message.setText("The saved drawing could not be found.")
                return
            if self.canvas.load_png(data):
                self._saved = dict(value)


class CodeAnswer(AnswerWidget):
    """A monospace editor with highlighting for the question's language."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.editor = CodeEditor(language)
        self.editor.setAccessibleName(f"Your code ({language})" if language else "Your code")
        self.editor.setAccessibleDescription(
            "Tab indents with spaces; Ctrl+Tab moves to the next control."
        )
        self._debounce = _debounced(self, self.changed.emit)
        self.editor.textChanged.connect(self._text_changed)
        layout = QVBoxLayout(self)
        if language:
            layout.addWidget(QLabel(f"Language: {language}"))
        layout.addWidget(self.editor, 1)

    def _text_changed(self) -> None:
        if not self.editor.signalsBlocked():
            self._debounce.start()

    def commit(self) -> None:
        """Report typing still waiting for the debounce now (the quiz calls it on leaving)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()

    def value(self) -> Any:
        code = self.editor.toPlainText()
        return {"language": self.language, "code": code} if code.strip() else None

    def set_value(self, value: Any) -> None:
        code = value.get("code") if isinstance(value, dict) else None
        self.editor.blockSignals(True)
        self.editor.setPlainText(code if isinstance(code, str) else "")
        self.editor.blockSignals(False)


def answer_widget_for(
    question: QuestionView,
    *,
    details: dict[str, Any] | None = None,
    media_dir: Path | None = None,
) -> AnswerWidget:
    """The widget for a question. `details` is app.assess.public.learner_details of its key
    (matching stems, blanks, limits, language); `media_dir` is where uploads and drawings go."""
    if details is None:
        details = getattr(question, "details", None) or {}
    if question.type in ("single_choice", "multiple_choice"):
        return ChoiceAnswer(question, multiple=question.type == "multiple_choice")
    if question.type == "true_false":
        return TrueFalseAnswer(question)
    if question.type in ("numeric", "short_answer"):
        return TextAnswer(question, numeric=question.type == "numeric")
    if question.type == "matching":
        return MatchingAnswer(details.get("stems", []), question.options)
    if question.type == "ordering":
        return OrderingAnswer(question.options)
    if question.type == "fill_blanks":
        return BlanksAnswer(details.get("blanks", []))
    if question.type == "essay":
        return EssayAnswer(details.get("word_limit"))
    if question.type == "file_upload":
        return FileUploadAnswer(
            media_dir, max_bytes=details.get("max_bytes"), accept=details.get("accept", [])
        )
    if question.type == "drawing":
        return DrawingAnswer(media_dir)
    if question.type == "code":
        return CodeAnswer(details.get("language", ""))
    raise ValueError(f"no widget for question type {question.type!r}")


__all__ = [
    "AnswerWidget",
    "BlanksAnswer",
    "ChoiceAnswer",
    "CodeAnswer",
    "DrawingAnswer",
    "EssayAnswer",
    "FileUploadAnswer",
    "MatchingAnswer",
    "OrderingAnswer",
    "TextAnswer",
    "TrueFalseAnswer",
    "answer_widget_for",
]

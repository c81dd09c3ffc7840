"""Each answer widget offscreen: answer through the UI, read value(), set_value() restores it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app.assess import grade_response
from app.assess.public import learner_details
from app.attempts import QuestionView
from app.courses.manifest import QuestionSpec
from app.uploads import stored_path
from ui.widgets.answers import (
    DEBOUNCE_MS,
    AnswerWidget,
    BlanksAnswer,
    CodeAnswer,
    DrawingAnswer,
    EssayAnswer,
    FileUploadAnswer,
    MatchingAnswer,
    OrderingAnswer,
    answer_widget_for,
)

W = TypeVar("W", bound=AnswerWidget)

STEMS = [{"id": "s1", "text": "Speed"}, {"id": "s2", "text": "Time"}]
UNITS = [{"id": "ms", "text": "m/s"}, {"id": "s", "text": "s"}, {"id": "kg", "text": "kg"}]


def shown(qtbot, widget: W) -> W:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_matching(qtbot: QtBot) -> None:
    widget = shown(qtbot, MatchingAnswer(STEMS, UNITS))
    assert widget.value() is None
    speed = widget.combos["s1"]
    assert speed.accessibleName() == "Match for Speed"
    with qtbot.waitSignal(widget.changed):
        qtbot.keyClick(speed, Qt.Key.Key_Down)  # the first option: m/s
    qtbot.keyClick(widget.combos["s2"], Qt.Key.Key_Down)
    qtbot.keyClick(widget.combos["s2"], Qt.Key.Key_Down)
    assert widget.value() == {"s1": "ms", "s2": "s"}
    restored = shown(qtbot, MatchingAnswer(STEMS, UNITS))
    with qtbot.assertNotEmitted(restored.changed):
        restored.set_value(widget.value())
    assert restored.value() == {"s1": "ms", "s2": "s"}
    assert restored.combos["s2"].currentText() == "s"
    restored.set_value(None)
    assert restored.value() is None


def test_ordering_by_buttons_and_keyboard(qtbot: QtBot) -> None:
    widget = shown(qtbot, OrderingAnswer(UNITS))
    assert widget.value() is None  # the shown order is not an answer
    widget.list.setCurrentRow(0)
    with qtbot.waitSignal(widget.changed):
        qtbot.mouseClick(widget.down, Qt.MouseButton.LeftButton)
    assert widget.value() == ["s", "ms", "kg"]
    widget.list.setCurrentRow(2)
    qtbot.keyClick(widget.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert widget.value() == ["s", "kg", "ms"]
    assert widget.list.currentRow() == 1  # the moved item stays selected
    qtbot.keyClick(widget.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(widget.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)  # at the top
    assert widget.value() == ["kg", "s", "ms"]
    restored = shown(qtbot, OrderingAnswer(UNITS))
    restored.set_value(widget.value())
    assert restored.value() == ["kg", "s", "ms"]
    assert [restored.list.item(i).text() for i in range(3)] == ["kg", "s", "m/s"]
    restored.set_value(["ms", "nope", "kg"])  # not these items: shown as first shown
    assert restored.value() is None


def test_blanks(qtbot: QtBot) -> None:
    blanks = [{"id": "d", "label": "distance"}, {"id": "t", "label": "time"}]
    widget = shown(qtbot, BlanksAnswer(blanks))
    assert widget.edits["d"].accessibleName() == "Blank: distance"
    qtbot.keyClicks(widget.edits["d"], "  metres ")
    with qtbot.waitSignal(widget.changed):
        qtbot.keyClick(widget.edits["d"], Qt.Key.Key_Return)
    assert widget.value() == {"d": "metres"}
    qtbot.keyClicks(widget.edits["t"], "seconds")
    with qtbot.waitSignal(widget.changed, timeout=3000):
        pass  # the debounce saves after typing stops
    restored = shown(qtbot, BlanksAnswer(blanks))
    restored.set_value(widget.value())
    assert restored.value() == {"d": "metres", "t": "seconds"}


def test_essay_counts_words_against_the_limit(qtbot: QtBot) -> None:
    widget = shown(qtbot, EssayAnswer(word_limit=3))
    assert widget.count.text() == "0 / 3 words"
    qtbot.keyClicks(widget.edit, "Speed is distance")
    assert widget.count.text() == "3 / 3 words"
    assert not widget.over_limit()
    with qtbot.waitSignal(widget.changed, timeout=3000):
        qtbot.keyClicks(widget.edit, " over time.")
    assert widget.count.text() == "5 / 3 words: 2 over the limit"
    assert widget.over_limit()
    restored = shown(qtbot, EssayAnswer(word_limit=3))
    with qtbot.assertNotEmitted(restored.changed, wait=800):
        restored.set_value(widget.value())
    assert restored.value() == "Speed is distance over time."
    assert restored.count.text() == "5 / 3 words: 2 over the limit"


def test_file_upload_stores_the_file_and_refuses_over_limit(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = tmp_path / "media"
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 a small report")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * 2000)
    photo = tmp_path / "photo.exe"
    photo.write_bytes(b"MZ")
    widget = shown(qtbot, FileUploadAnswer(media, max_bytes=1000, accept=[".pdf"]))
    assert widget.value() is None and not widget.remove.isEnabled()
    # The file dialog is Qt's; answer it as a learner would, then the widget stores the file.
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(report), ""))
    with qtbot.waitSignal(widget.changed):
        qtbot.mouseClick(widget.choose, Qt.MouseButton.LeftButton)
    ref = widget.value()
    assert ref["name"] == "report.pdf" and ref["size"] == report.stat().st_size
    assert ref["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert stored_path(media, ref).read_bytes() == report.read_bytes()
    assert widget.file_label.text() == "report.pdf (23 bytes)"
    with qtbot.assertNotEmitted(widget.changed):
        assert not widget.attach(big)
    assert "big.pdf is 2.0 KB; at most 1000 bytes is allowed" in widget.message.text()
    assert not widget.attach(photo)
    assert "not one of the accepted file types (.pdf)" in widget.message.text()
    assert widget.value() == ref  # a refused file leaves the answer as it was
    restored = shown(qtbot, FileUploadAnswer(media, max_bytes=1000, accept=[".pdf"]))
    restored.set_value(ref)
    assert restored.value() == ref and restored.remove.isEnabled()
    with qtbot.waitSignal(restored.changed):
        qtbot.mouseClick(restored.remove, Qt.MouseButton.LeftButton)
    assert restored.value() is None


def test_drawing_saves_a_png_and_restores_it(qtbot: QtBot, tmp_path: Path) -> None:
    media = tmp_path / "media"
    widget = shown(qtbot, DrawingAnswer(media, QSize(120, 80)))
    assert widget.value() is None
    canvas = widget.canvas
    with qtbot.waitSignal(widget.changed):
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert canvas.image.pixelColor(20, 20).lightness() < 128
    ref = widget.value()
    assert ref["name"] == "drawing.png" and ref["mime"] == "image/png"
    png = stored_path(media, ref)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert widget.value() == ref  # unchanged: not stored again
    restored = shown(qtbot, DrawingAnswer(media, QSize(120, 80)))
    restored.set_value(ref)
    assert restored.value() == ref
    assert restored.canvas.image.convertToFormat(QImage.Format.Format_RGB32) == QImage.fromData(
        png.read_bytes()
    ).convertToFormat(QImage.Format.Format_RGB32)
    # The eraser takes the dot away again; clear empties the canvas.
    qtbot.mouseClick(restored.eraser, Qt.MouseButton.LeftButton)
    qtbot.mousePress(restored.canvas, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    qtbot.mouseRelease(restored.canvas, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert restored.canvas.is_blank() and restored.value() is None
    with qtbot.waitSignal(widget.changed):
        qtbot.mouseClick(widget.clear, Qt.MouseButton.LeftButton)
    assert widget.value() is None


def test_code_editor_indents_with_spaces_and_highlights(qtbot: QtBot) -> None:
    widget = shown(qtbot, CodeAnswer("python"))
    editor = widget.editor
    assert editor.font().fixedPitch()
    assert editor.font().styleHint() == QFont.StyleHint.Monospace
    qtbot.keyClicks(editor, "def speed(d, t):")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    with qtbot.waitSignal(widget.changed, timeout=3000):
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
        qtbot.keyClicks(editor, "return d / t")
    assert widget.value() == {"language": "python", "code": "def speed(d, t):\n    return d / t"}
    first_line = editor.document().firstBlock().layout().formats()
    assert any(f.format.foreground().color().name() != "#000000" for f in first_line)
    qtbot.keyClick(editor, Qt.Key.Key_Backtab)
    assert editor.toPlainText().endswith("\nreturn d / t")
    restored = shown(qtbot, CodeAnswer("python"))
    restored.set_value({"language": "python", "code": "x = 1"})
    assert restored.value() == {"language": "python", "code": "x = 1"}
    # Leaving the question reports typing the debounce still holds, once.
    qtbot.keyClicks(restored.editor, "0")
    with qtbot.waitSignal(restored.changed, timeout=100):
        restored.commit()
    with qtbot.assertNotEmitted(restored.changed, wait=DEBOUNCE_MS + 200):
        restored.commit()
    assert restored.value() == {"language": "python", "code": "0x = 1"}


def _view(qtype: str, options: list[dict[str, str]] | None = None) -> QuestionView:
    return QuestionView(
        question_id="q", type=qtype, prompt_md="?", points=1.0, options=options or [], unit=""
    )


@pytest.mark.parametrize(
    ("fields", "widget_type", "answer"),
    [
        (
            {
                "type": "matching",
                "stems": STEMS,
                "options": UNITS,
                "answer": {"s1": "ms", "s2": "s"},
            },
            MatchingAnswer,
            {"s1": "ms", "s2": "s"},
        ),
        (
            {"type": "ordering", "options": UNITS, "answer": ["kg", "s", "ms"]},
            OrderingAnswer,
            ["kg", "s", "ms"],
        ),
        (
            {"type": "fill_blanks", "blanks": [{"id": "d", "answers": ["metre"]}]},
            BlanksAnswer,
            {"d": "metre"},
        ),
        ({"type": "essay", "word_limit": 10}, EssayAnswer, "An essay."),
        ({"type": "code", "language": "sql"}, CodeAnswer, {"language": "sql", "code": "select 1"}),
    ],
)
def test_widget_for_each_question_type(
    qtbot: QtBot, fields: dict[str, Any], widget_type: type, answer: Any
) -> None:
    spec = QuestionSpec.model_validate({"id": "q", "prompt": "?", **fields})
    key = spec.grading_key()
    options = [{"id": o.id, "text": o.text} for o in spec.options]
    widget = answer_widget_for(_view(spec.type, options), details=learner_details(spec.type, key))
    qtbot.addWidget(widget)
    assert type(widget) is widget_type
    widget.set_value(answer)
    assert widget.value() == answer
    if spec.type not in ("essay", "code"):
        assert grade_response(spec.type, key, widget.value()) == 1.0


def test_upload_and_drawing_widgets_get_the_media_folder(qtbot: QtBot, tmp_path: Path) -> None:
    details = learner_details("file_upload", {"max_bytes": 10, "accept": [".txt"]})
    upload = answer_widget_for(_view("file_upload"), details=details, media_dir=tmp_path)
    qtbot.addWidget(upload)
    assert isinstance(upload, FileUploadAnswer) and upload.max_bytes == 10
    assert upload.limits.text() == "accepted: .txt; at most 10 bytes"
    drawing = answer_widget_for(_view("drawing"), media_dir=tmp_path)
    qtbot.addWidget(drawing)
    assert isinstance(drawing, DrawingAnswer) and drawing.media_dir == tmp_path

"""A plain-text code editor: monospace, Tab inserts spaces, Pygments highlighting per line."""

from __future__ import annotations

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound
from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

INDENT = "    "


def lexer_for(language: str) -> Lexer:
    """The Pygments lexer for a language name; plain text when the name is unknown or empty."""
    try:
        return (
            get_lexer_by_name(language, stripnl=False, ensurenl=False) if language else TextLexer()
        )
    except ClassNotFound:
        return TextLexer()


class PygmentsHighlighter(QSyntaxHighlighter):
    """Colours each line with the tokens Pygments finds in it.

    Lines are lexed one by one (QSyntaxHighlighter's unit), so a string or comment that spans
    lines is coloured only where a line shows it: good enough for short answers, and cheap.
    """

    def __init__(self, document: QTextDocument, language: str, style: str = "default") -> None:
        super().__init__(document)
        self.lexer = lexer_for(language)
        self._style = get_style_by_name(style)
        self._formats: dict[_TokenType, QTextCharFormat] = {}

    def _format(self, token: _TokenType) -> QTextCharFormat:
        if token not in self._formats:
            spec = self._style.style_for_token(token)
            fmt = QTextCharFormat()
            if spec["color"]:
                fmt.setForeground(QColor(f"#{spec['color']}"))
            if spec["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if spec["italic"]:
                fmt.setFontItalic(True)
            self._formats[token] = fmt
        return self._formats[token]

    def highlightBlock(self, text: str) -> None:
        for start, token, value in self.lexer.get_tokens_unprocessed(text):
            if value:
                self.setFormat(start, len(value), self._format(token))


class CodeEditor(QPlainTextEdit):
    """Tab and Shift+Tab indent and dedent with spaces; Ctrl+Tab leaves the editor."""

    def __init__(self, language: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        # Where no monospace family is installed, the hint still picks the most fitting one.
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFixedPitch(True)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabChangesFocus(False)
        self.highlighter = PygmentsHighlighter(self.document(), language)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and ctrl:
            # Keyboard users still need a way out of an editor where Tab types.
            self.focusNextPrevChild(event.key() == Qt.Key.Key_Tab)
            return
        if event.key() == Qt.Key.Key_Tab:
            self.textCursor().insertText(INDENT)
            return
        if event.key() == Qt.Key.Key_Backtab:
            self._dedent()
            return
        super().keyPressEvent(event)

    def _dedent(self) -> None:
        cursor = self.textCursor()
        line = cursor.block().text()
        remove = len(line) - len(line.lstrip(" "))
        remove = min(remove, len(INDENT))
        if remove:
            cursor.movePosition(cursor.MoveOperation.StartOfBlock)
            cursor.movePosition(cursor.MoveOperation.Right, cursor.MoveMode.KeepAnchor, remove)
            cursor.removeSelectedText()

"""The secret part of signing in: a PIN or password box, or the picture pad, with a message line.

It only collects the secret; checking it (off the GUI thread) is ui/pages/profiles.py's job
and the rules are app/accounts/signin.py's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts.secrets import SecretKind
from ui.widgets.pictures import PicturePad


class SignInPanel(QWidget):
    submitted = Signal(object)  # str (PIN, password) or list[str] (pictures)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind: SecretKind | None = None
        self.title = QLabel()
        self.text = QLineEdit()
        self.text.setEchoMode(QLineEdit.EchoMode.Password)
        self.text.returnPressed.connect(self._submit)
        self.pad = PicturePad()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._submit)
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self.cancelled.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.pad)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def ask(self, name: str, kind: SecretKind) -> None:
        self.kind = kind
        words = {
            SecretKind.PIN: "type your PIN",
            SecretKind.PICTURES: "tap your pictures in order",
            SecretKind.PASSWORD: "type your password",
        }[kind]
        self.title.setText(f"<h2>{_escape(name)}, {words}</h2>")
        self.text.clear()
        self.pad.clear()
        self.text.setVisible(kind != SecretKind.PICTURES)
        self.pad.setVisible(kind == SecretKind.PICTURES)
        self.text.setPlaceholderText("PIN" if kind == SecretKind.PIN else "Password")
        self.text.setAccessibleName("PIN" if kind == SecretKind.PIN else "Password")
        self.show_message("")
        self.set_busy(False)
        (self.pad if kind == SecretKind.PICTURES else self.text).setFocus(
            Qt.FocusReason.OtherFocusReason
        )

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def set_busy(self, busy: bool) -> None:
        self.sign_in_button.setEnabled(not busy)
        self.text.setEnabled(not busy)
        self.pad.setEnabled(not busy)

    def secret(self) -> str | list[str]:
        return self.pad.sequence() if self.kind == SecretKind.PICTURES else self.text.text()

    def _submit(self) -> None:
        if self.sign_in_button.isEnabled():
            self.show_message("")
            self.submitted.emit(self.secret())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

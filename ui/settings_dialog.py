"""Settings: which server to sync with, and the school's enrollment code for the first sync."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.identity import DEVICE_TOKEN, SCHOOL_NAME, SERVER_URL, get_meta, set_meta
from ui.context import AppContext


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Slate settings")
        self.setMinimumWidth(520)
        url, school, token = ctx.read(
            lambda s: (get_meta(s, SERVER_URL), get_meta(s, SCHOOL_NAME), get_meta(s, DEVICE_TOKEN))
        )
        self.server_edit = QLineEdit(url or "")
        self.server_edit.setPlaceholderText("http://school-server:8765")
        self.server_edit.setAccessibleName("Server address")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("ABCDE-FGHJK" if not token else "(already enrolled)")
        self.code_edit.setAccessibleName("Enrollment code")
        state = f"Enrolled with {school}." if token and school else "Not enrolled yet."
        form = QFormLayout()
        form.addRow("Server address", self.server_edit)
        form.addRow("Enrollment code", self.code_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(state))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        from sync.client import SyncError, normalise_url

        text = self.server_edit.text().strip()
        try:
            if text:
                normalise_url(text)
        except SyncError as exc:
            self.error.setText(str(exc))  # keep the dialog open so the address can be fixed
            return
        super().accept()

    def apply(self) -> str | None:
        """Save the server address; returns the enrollment code to use, if one was typed."""
        from sync.client import normalise_url

        text = self.server_edit.text().strip()
        url = normalise_url(text) if text else None
        with self.ctx.write() as session:
            previous = get_meta(session, SERVER_URL)
            set_meta(session, SERVER_URL, url)
            if url != previous:
                # A token belongs to one server; a new address needs a new enrollment.
                set_meta(session, DEVICE_TOKEN, None)
        return self.code_edit.text().strip() or None

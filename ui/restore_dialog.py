"""Backups in the app: the daily backup at start (off the GUI thread) and the restore dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.backup import (
    BackupInfo,
    RestoreResult,
    StartCheck,
    check_and_back_up,
    list_backups,
    restore,
)
from ui.workers import TaskThread

if TYPE_CHECKING:
    from ui.main_window import MainWindow


# The backup waits a moment, like the first sync round: reading the whole store while the
# window is coming up would slow the start on a two-core laptop.
DAILY_BACKUP_DELAY_MS = 3000


def start_daily_backup(
    window: MainWindow, data_dir: Path, keep: int, delay_ms: int = DAILY_BACKUP_DELAY_MS
) -> TaskThread:
    """Check the store (`quick_check`) and take the daily backup if due, in a worker thread.

    A damaged store is reported with an offer to restore a backup. The application waits for
    the thread before quitting, so a backup is never cut off half-way.
    """
    task = TaskThread(lambda _report: check_and_back_up(data_dir, keep), window)
    task.setObjectName("daily_backup")
    task.finished_ok.connect(lambda check: _offer_restore(window, check) if check.damaged else None)
    task.failed.connect(
        lambda message: window.statusBar().showMessage(f"Backup not taken: {message}", 15000)
    )
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(task.wait)
    QTimer.singleShot(delay_ms, task.start)
    return task


def _offer_restore(window: MainWindow, check: StartCheck) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "The data looks damaged",
        "Slate found damage in its data on this computer "
        f"({check.verdict[:200]}). Restore the newest good backup now? Until then, what "
        "is saved may be lost.",
        QMessageBox.StandardButton.Cancel,
        window,
    )
    box.setObjectName("store_damaged")
    restore_button = box.addButton("Restore from backup…", QMessageBox.ButtonRole.AcceptRole)
    restore_button.clicked.connect(lambda: open_restore_dialog(window))
    box.open()


class RestoreDialog(QDialog):
    """Pick a backup and put it in place of the current data.

    `close_store` is called before the restore: the store must be closed (its lock released)
    because the restore replaces the database file. After a restore the app must be started
    again; `restored` carries the result so the window can say so and quit.
    """

    restored = Signal(object)

    def __init__(
        self, data_dir: Path, close_store: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self._close_store = close_store
        self._task: TaskThread | None = None
        self.setWindowTitle("Restore from a backup")
        self.setMinimumWidth(560)
        intro = QLabel(
            "Choose a backup to go back to. Everything saved after it on this computer is "
            "replaced, but the current data is backed up first, so this can be undone. Slate "
            "closes when the restore is done; open it again."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Backups")
        for backup in list_backups(data_dir):
            when = backup.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
            kind = _KIND_TEXT.get(backup.kind, "before an update")
            label = f"{when}   {kind}   {backup.size_bytes / 1e6:.1f} MB"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, backup)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.progress = QProgressBar()
        self.progress.setRange(0, 4)
        self.progress.hide()
        self.message = QLabel("" if self.list.count() else "There are no backups yet.")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button: QPushButton = self.buttons.addButton(
            "Restore", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setEnabled(self.list.count() > 0)
        self.buttons.accepted.connect(self.start_restore)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.list, self.progress, self.message, self.buttons):
            layout.addWidget(widget)

    def chosen(self) -> BackupInfo | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def start_restore(self) -> None:
        backup = self.chosen()
        if backup is None or self._task is not None:
            return
        self._close_store()
        self.buttons.setEnabled(False)  # nothing to cancel: the restore is one short copy
        self.list.setEnabled(False)
        self.progress.show()
        task = TaskThread(lambda report: restore(self.data_dir, backup, report), self)
        task.progress.connect(lambda done, _total, what: self._show_step(done, what))
        task.finished_ok.connect(self._done)
        task.failed.connect(self._failed)
        self._task = task
        task.start()

    def _show_step(self, done: int, what: str) -> None:
        self.progress.setValue(done)
        self.message.setText(what[:1].upper() + what[1:] + "…")

    def _done(self, result: RestoreResult) -> None:
        self.progress.setValue(4)
        self.message.setText(
            f"Restored. The data it replaced is saved as {result.previous_saved_as.name}. "
            "Open Slate again to go on."
        )
        self.buttons.clear()
        self.buttons.setEnabled(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.accept)
        self.restored.emit(result)

    def _failed(self, message: str) -> None:
        self.progress.hide()
        self.message.setText(f"Not restored: {message}")
        self.message.setStyleSheet("color: #b00020")
        # The store was closed for the restore: the app has to start again in any case.
        self.buttons.clear()
        self.buttons.setEnabled(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.reject)
        self.restored.emit(None)

    def done(self, result: int) -> None:
        if self._task is not None:
            self._task.wait()  # short: the restore is one file copy
        super().done(result)


def open_restore_dialog(window: MainWindow) -> RestoreDialog:
    """From the main window's File menu: once the store has been closed for a restore, the
    window closes with the dialog, and Slate is started again on the restored data."""
    store_closed = False

    def close_store() -> None:
        nonlocal store_closed
        window.shutdown()
        window.ctx.store.close()
        store_closed = True

    dialog = RestoreDialog(window.ctx.store.data_dir, close_store, window)
    dialog.finished.connect(lambda _code: window.close() if store_closed else None)
    dialog.open()
    return dialog


def offer_restore_at_start(data_dir_option: str | None, problem: str) -> bool:
    """When the store cannot be opened because it is damaged and there are backups, show the
    restore dialog on its own (the app starts again afterwards). False when that is not the
    case, so the caller shows its usual error."""
    from app.backup import integrity_check
    from app.db.store import DB_FILENAME
    from app.errors import SlateError
    from app.paths import resolve_data_dir

    try:
        data_dir = resolve_data_dir(data_dir_option, create=False)
    except SlateError:
        return False
    db = data_dir / DB_FILENAME
    if not db.exists() or not list_backups(data_dir):
        return False
    verdict = integrity_check(db, quick=True)
    if verdict == "ok":
        return False
    dialog = RestoreDialog(data_dir, lambda: None)
    dialog.message.setText(f"Slate cannot open its data: {problem}")
    dialog.exec()
    return True


_KIND_TEXT = {
    "daily": "daily backup",
    "manual": "backup made by IT",
    "before-restore": "before a restore",
}

"""File ▸ Import question bank…: pick a GIFT, Aiken or QTI file, preview it, import it.

The file is read off the GUI thread (a TaskThread); the preview shows every question that will
be imported (type, title, the start of its prompt) and every warning with its line, so that a
teacher sees what will not come across before anything is stored. OK stores the bank in one
transaction, also off the GUI thread, through the same service as `slate bank import`
(`import_bank`): a file whose questions were all skipped cannot be imported, and a bank that is
already stored is named instead of being stored again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.banks.model import BankImport, NothingToImportError, plain_excerpt
from app.banks.store import StoredBank
from app.courses.catalog import list_courses
from ui.context import AppContext
from ui.workers import TaskThread

TYPE_LABELS = {
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
    "true_false": "True/false",
    "short_answer": "Short answer",
    "numeric": "Numeric",
    "matching": "Matching",
    "essay": "Essay",
    "description": "Description",
    "ordering": "Ordering",
}
FILE_FILTER = (
    "Question banks (*.gift *.txt *.xml *.zip);;GIFT (*.gift *.txt);;Aiken (*.txt);;"
    "IMS QTI (*.xml *.zip);;All files (*)"
)


class BankImportDialog(QDialog):
    """Preview and import one question bank file. `imported` carries the new bank's id."""

    imported = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import question bank")
        self.resize(860, 560)
        self.path: Path | None = None
        self.bank: BankImport | None = None
        self.bank_id: int | None = None
        self._tasks: list[TaskThread] = []

        self.path_edit = QLineEdit(readOnly=True)
        self.path_edit.setPlaceholderText("Choose a GIFT, Aiken or QTI file")
        self.path_edit.setAccessibleName("Question bank file")
        self.browse_button = QPushButton("Choose…")
        self.browse_button.clicked.connect(self.browse)
        self.course_combo = QComboBox()
        self.course_combo.setAccessibleName("Course")
        self.course_combo.addItem("No course", None)
        for course in ctx.read(list_courses):
            self.course_combo.addItem(course.title, course.id)

        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("File:", file_row)
        form.addRow("Course:", self.course_combo)

        self.summary = QLabel("No file chosen.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Type", "Title", "Question"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Questions to import")
        self.warnings_label = QLabel("Warnings")
        self.warnings = QListWidget()
        self.warnings.setAccessibleName("Import warnings")
        self.warnings.setMaximumHeight(140)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.warnings)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    # -- reading -----------------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a question bank", str(self.path or Path.home()), FILE_FILTER
        )
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> TaskThread:
        """Read `path` in a worker thread; the preview fills in when it is done."""
        from app.banks.importer import read_bank

        self.path = path
        self.bank = None
        self.path_edit.setText(str(path))
        self.table.setRowCount(0)
        self.warnings.clear()
        self.error.clear()
        self.summary.setText(f"Reading {path.name}…")
        self.import_button.setEnabled(False)
        self.browse_button.setEnabled(False)
        task = TaskThread(lambda _report: read_bank(path), self)
        task.finished_ok.connect(self._show_preview)
        task.failed.connect(self._show_refusal)
        self._track(task)
        task.start()
        return task

    def _show_preview(self, bank: BankImport) -> None:
        self.browse_button.setEnabled(True)
        self.bank = bank
        self.table.setRowCount(len(bank.questions))
        for row, q in enumerate(bank.questions):
            cells = (
                TYPE_LABELS.get(q.type, q.type),
                q.title,
                plain_excerpt(q.prompt, q.prompt_format, 160),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.warnings.addItems([str(w) for w in bank.warnings])
        self.warnings_label.setText(f"Warnings ({len(bank.warnings)})")
        kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in bank.kinds().items())
        if not bank.questions:
            # The same refusal as `slate bank import`: the warnings above say why.
            self.summary.setText("This file cannot be imported.")
            self.error.setText(str(NothingToImportError(bank)))
            return
        self.summary.setText(
            f"{bank.source_name} ({bank.format.upper()}): {len(bank.questions)} questions"
            + (f" — {kinds}" if kinds else "")
            + (f", {bank.categories} categories" if bank.categories else "")
            + "."
        )
        self.import_button.setEnabled(True)

    def _show_refusal(self, message: str) -> None:
        self.browse_button.setEnabled(True)
        self.summary.setText("This file cannot be imported.")
        self.warnings_label.setText("Warnings")
        self.error.setText(message)

    # -- storing -----------------------------------------------------------------------------
    def accept(self) -> None:
        if self.bank is None or self.path is None:
            return
        from app.banks.store import import_bank

        bank, name = self.bank, self.path.stem
        course_id = self.course_combo.currentData()
        self.import_button.setEnabled(False)
        self.summary.setText(f"Importing {len(bank.questions)} questions…")
        task = TaskThread(
            lambda _report: import_bank(self.ctx.store, bank, course_id=course_id, name=name),
            self,
        )
        task.finished_ok.connect(self._stored)
        task.failed.connect(self._store_failed)
        self._track(task)
        task.start()

    def _stored(self, stored: StoredBank) -> None:
        self.bank_id = stored.bank_id
        if stored.already_stored:
            # Nothing was stored: say which bank holds it, and leave the dialog open to read.
            when = stored.imported_at.strftime("%Y-%m-%d %H:%M")
            self.summary.setText(
                f"Already stored: {self.bank.source_name if self.bank else 'this file'} is bank "
                f"{stored.bank_id} ({stored.name!r}, imported {when} UTC); nothing imported."
            )
            return
        self.imported.emit(stored.bank_id)
        super().accept()

    def _store_failed(self, message: str) -> None:
        self.error.setText(f"Not imported: {message}")
        self.import_button.setEnabled(True)

    # -- threads -----------------------------------------------------------------------------
    def _track(self, task: TaskThread) -> None:
        self._tasks.append(task)
        task.finished.connect(lambda: self._tasks.remove(task))

    def wait_for_tasks(self) -> None:
        for task in list(self._tasks):
            task.wait()

    def done(self, result: Any) -> None:
        # A closing dialog must not destroy a thread that is still reading or storing.
        self.wait_for_tasks()
        super().done(result)

"""Who is learning? A shared laptop has several students; each picks their own profile."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db.models import Role
from app.profiles import Profile, ProfileError, create_profile, list_profiles
from ui.context import AppContext


class ProfilePage(QWidget):
    chosen = Signal(object)  # Profile

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        title = QLabel("<h1>Who is learning today?</h1>")
        self.list = QListWidget()
        self.list.setAccessibleName("Learner profiles")
        self.list.itemActivated.connect(self._activate)
        self.open_button = QPushButton("Start learning")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self._open_selected)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("New learner's name")
        self.name_edit.setAccessibleName("New learner's name")
        self.name_edit.returnPressed.connect(self._add)
        self.add_button = QPushButton("Add learner")
        self.add_button.clicked.connect(self._add)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        add_row = QHBoxLayout()
        add_row.addWidget(self.name_edit, 1)
        add_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(add_row)
        layout.addWidget(self.error)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for profile in self.ctx.read(lambda s: list_profiles(s, Role.STUDENT)):
            item = QListWidgetItem(profile.display_name)
            item.setData(Qt.ItemDataRole.UserRole, profile)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.open_button.setEnabled(self.list.count() > 0)

    def add_profile(self, name: str) -> Profile | None:
        try:
            with self.ctx.write() as session:
                profile = create_profile(session, name)
        except ProfileError as exc:
            self.error.setText(str(exc))
            return None
        self.error.clear()
        self.name_edit.clear()
        self.refresh()
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole).id == profile.id:
                self.list.setCurrentRow(row)
        return profile

    def _add(self) -> None:
        self.add_profile(self.name_edit.text())

    def _activate(self, item: QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def _open_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._activate(item)

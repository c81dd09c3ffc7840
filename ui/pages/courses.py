"""The learner's courses, each with its progress."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.courses.catalog import CourseSummary, list_courses
from ui.context import AppContext


class CourseListPage(QWidget):
    opened = Signal(str)  # course id
    import_requested = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.heading = QLabel()
        self.list = QListWidget()
        self.list.setAccessibleName("Courses")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(
            lambda item: self.opened.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        self.empty = QLabel("No courses yet. Import a course package to begin.")
        self.open_button = QPushButton("Open course")
        self.open_button.clicked.connect(self._open_selected)
        import_button = QPushButton("Import course…")
        import_button.clicked.connect(self.import_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(import_button, 0, Qt.AlignmentFlag.AlignRight)
        self.courses: list[CourseSummary] = []

    def refresh(self) -> None:
        name = self.ctx.profile.display_name if self.ctx.profile else ""
        self.heading.setText(f"<h1>Your courses, {name}</h1>")
        self.courses = self.ctx.read(lambda s: list_courses(s, self.ctx.user_id))
        self.list.clear()
        for course in self.courses:
            pct = round(course.progress * 100)
            text = (
                f"{course.title}\n{course.level}  ·  {course.items_completed} of "
                f"{course.items_total} steps done  ·  {pct}%"
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, course.id)
            item.setToolTip(course.description)
            self.list.addItem(item)
        self.empty.setVisible(not self.courses)
        if self.courses:
            self.list.setCurrentRow(0)
        self.open_button.setEnabled(bool(self.courses))

    def _open_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.opened.emit(item.data(Qt.ItemDataRole.UserRole))

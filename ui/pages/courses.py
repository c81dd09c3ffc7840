"""The learner's courses, each with its progress."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
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
        # One column per fact rather than one wrapped text: titles in any script keep their
        # progress visible, and a screen reader reads each column with its header.
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(["Course", "Level", "Steps done", "Progress"])
        self.list.setAccessibleName("Courses")
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.itemActivated.connect(
            lambda item, _col: self.opened.emit(item.data(0, Qt.ItemDataRole.UserRole))
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
            item = QTreeWidgetItem(
                [
                    course.title,
                    course.level,
                    f"{course.items_completed} of {course.items_total}",
                    f"{round(course.progress * 100)}%",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, course.id)
            item.setToolTip(0, course.description)
            self.list.addTopLevelItem(item)
        for column in (1, 2, 3):
            self.list.resizeColumnToContents(column)
        self.empty.setVisible(not self.courses)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self.open_button.setEnabled(bool(self.courses))

    def select_course(self, course_id: str) -> None:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == course_id:
                self.list.setCurrentItem(item)

    def _open_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.opened.emit(item.data(0, Qt.ItemDataRole.UserRole))

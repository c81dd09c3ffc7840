"""The learner's progress across courses: steps done and best quiz scores."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.courses.catalog import course_outline, list_courses
from app.db.models import ItemKind
from ui.context import AppContext


class ProgressPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.heading = QLabel()
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Course", "Steps done", "Progress", "Quiz scores"])
        self.table.setAccessibleName("Progress by course")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        name = self.ctx.profile.display_name if self.ctx.profile else ""
        self.heading.setText(f"<h1>Progress — {name}</h1>")

        def load(session):
            rows = []
            for course in list_courses(session, self.ctx.user_id):
                scores = [
                    f"{item.title}: {round(item.best_score * 100)}%"
                    for module in course_outline(session, course.id, self.ctx.user_id)
                    for item in module.items
                    if item.kind == ItemKind.QUIZ and item.best_score is not None
                ]
                rows.append((course, scores))
            return rows

        rows = self.ctx.read(load)
        self.table.setRowCount(len(rows))
        for r, (course, scores) in enumerate(rows):
            cells = [
                course.title,
                f"{course.items_completed} of {course.items_total}",
                f"{round(course.progress * 100)}%",
                "; ".join(scores) or "no quiz taken yet",
            ]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

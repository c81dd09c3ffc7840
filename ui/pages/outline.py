"""A course's modules and steps, with what the learner has done."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.courses.catalog import OutlineItem, course_outline
from app.db.models import Course, ItemKind
from app.progress import course_progress
from ui.context import AppContext

KIND_LABEL = {
    ItemKind.LESSON: "Reading",
    ItemKind.VIDEO: "Video",
    ItemKind.DOCUMENT: "Document",
    ItemKind.QUIZ: "Quiz",
}


def status_text(item: OutlineItem) -> str:
    if item.kind == ItemKind.QUIZ and item.best_score is not None:
        return f"✓ Best score {round(item.best_score * 100)}%"
    if item.completed:
        return "✓ Done"
    return "● Started" if item.started else "○ Not started"


class CourseOutlinePage(QWidget):
    item_opened = Signal(str, str)  # course id, item id

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.course_id = ""
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Course progress")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Step", "Type", "Status"])
        self.tree.setAccessibleName("Course outline")
        self.tree.setColumnWidth(0, 420)
        self.tree.itemActivated.connect(self._activate)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self._open_selected)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)

    def show_course(self, course_id: str) -> None:
        self.course_id = course_id
        self.refresh()

    def refresh(self) -> None:
        def load(session):
            course = session.get(Course, self.course_id)
            return (
                course.title,
                course.description,
                course_outline(session, self.course_id, self.ctx.user_id),
                course_progress(session, self.ctx.user_id, self.course_id),
            )

        title, description, outline, prog = self.ctx.read(load)
        self.title.setText(f"<h1>{title}</h1><p>{description}</p>")
        self.progress.setValue(round(prog.fraction * 100))
        self.progress.setFormat(f"{prog.items_completed} of {prog.items_total} steps done (%p%)")
        selected = self.selected_item_id()
        self.tree.clear()
        first_open = None
        for module in outline:
            node = QTreeWidgetItem([module.title])
            font = node.font(0)
            font.setBold(True)
            node.setFont(0, font)
            self.tree.addTopLevelItem(node)
            for item in module.items:
                child = QTreeWidgetItem([item.title, KIND_LABEL[item.kind], status_text(item)])
                child.setData(0, Qt.ItemDataRole.UserRole, item.item_id)
                node.addChild(child)
                if item.item_id == selected or (first_open is None and not item.completed):
                    first_open = child
            node.setExpanded(True)
        if first_open is not None:
            self.tree.setCurrentItem(first_open)

    def selected_item_id(self) -> str | None:
        current = self.tree.currentItem()
        return current.data(0, Qt.ItemDataRole.UserRole) if current else None

    def open_item(self, item_id: str) -> None:
        self.item_opened.emit(self.course_id, item_id)

    def _activate(self, node: QTreeWidgetItem) -> None:
        item_id = node.data(0, Qt.ItemDataRole.UserRole)
        if item_id:
            self.open_item(item_id)

    def _open_selected(self) -> None:
        item_id = self.selected_item_id()
        if item_id:
            self.open_item(item_id)

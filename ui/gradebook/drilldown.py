"""One student's attempts and answers, as a tree: attempt rows open to their answers."""

from __future__ import annotations

from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.analytics.drilldown import AttemptDetail
from app.analytics.gradebook import GradeStatus
from app.db.models import AttemptStatus
from ui.gradebook.model import STATUS_COLOURS, percent

COLUMNS = ["Quiz / question", "Answer", "Score", "Hints", "Time", "When"]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _attempt_status(attempt: AttemptDetail) -> GradeStatus:
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return GradeStatus.IN_PROGRESS
    if attempt.awaiting_grading:
        return GradeStatus.AWAITING_GRADING
    return GradeStatus.PASSED if attempt.passed else GradeStatus.FAILED


class StudentRecordView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setAccessibleName("Attempts and answers")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)

    def show_record(self, name: str, attempts: list[AttemptDetail]) -> None:
        self.heading.setText(f"<b>{name}</b>: {len(attempts)} attempts")
        self.tree.clear()
        for attempt in attempts:
            status = _attempt_status(attempt)
            when = attempt.submitted_at or attempt.started_at
            top = QTreeWidgetItem(
                [
                    attempt.title,
                    status.value,
                    percent(attempt.score),
                    "",
                    _duration(attempt.elapsed_s),
                    when.strftime("%Y-%m-%d %H:%M"),
                ]
            )
            colour = STATUS_COLOURS.get(status)
            if colour is not None:
                for column in range(len(COLUMNS)):
                    top.setBackground(column, QBrush(colour))
            for answer in attempt.answers:
                share = "to grade" if answer.share is None else percent(answer.share)
                prompt = answer.prompt if len(answer.prompt) <= 80 else answer.prompt[:79] + "…"
                child = QTreeWidgetItem(
                    [
                        prompt + (" (retired)" if answer.retired else ""),
                        answer.response,
                        share,
                        str(answer.hints_used or ""),
                        _duration(answer.time_spent_s) if answer.time_spent_s else "",
                        "",
                    ]
                )
                child.setToolTip(0, answer.prompt)
                child.setToolTip(1, answer.response)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

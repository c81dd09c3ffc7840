"""Qt models over a `Gradebook`: students by assessments, sortable, filterable, coloured.

The model only presents: every figure comes from `app.analytics.gradebook`. Column 0 is the
student, column 1 the student's average, then one column per assessment in course order.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from app.analytics.gradebook import EMPTY_CELL, Gradebook, GradeCell, GradeStatus

Index = QModelIndex | QPersistentModelIndex

# Numbers to sort by (Qt.UserRole): a score sorts by itself; cells without one sort below
# every score, in the order of how far the student got.
SORT_ROLE = Qt.ItemDataRole.UserRole
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
USER_ID_ROLE = Qt.ItemDataRole.UserRole + 2
_NO_SCORE_RANK = {
    GradeStatus.AWAITING_GRADING: -1.0,
    GradeStatus.IN_PROGRESS: -2.0,
    GradeStatus.NOT_STARTED: -3.0,
}
# Light tints that keep black text readable; colour is never the only signal (the text says
# "passed"/"failed" in the tooltip and status filter), for colour-blind teachers.
STATUS_COLOURS = {
    GradeStatus.PASSED: QColor("#d9f2d9"),
    GradeStatus.FAILED: QColor("#f8d7d7"),
    GradeStatus.AWAITING_GRADING: QColor("#fff1c2"),
    GradeStatus.IN_PROGRESS: QColor("#e3ecfa"),
}
FIXED_COLUMNS = 2


def percent(score: float | None) -> str:
    return "" if score is None else f"{round(score * 100)}%"


def cell_text(cell: GradeCell) -> str:
    if cell.score is not None:
        mark = " *" if cell.status is GradeStatus.AWAITING_GRADING else ""
        return percent(cell.score) + mark
    return {
        GradeStatus.IN_PROGRESS: "in progress",
        GradeStatus.AWAITING_GRADING: "to grade",
    }.get(cell.status, "—")


class GradebookModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.book: Gradebook | None = None

    def set_gradebook(self, book: Gradebook | None) -> None:
        self.beginResetModel()
        self.book = book
        self.endResetModel()

    # -- shape ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.book is None else len(self.book.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.book is None:
            return 0
        return FIXED_COLUMNS + len(self.book.assessments)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.book is None or orientation != Qt.Orientation.Horizontal:
            return super().headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0:
                return "Student"
            if section == 1:
                return "Average"
            return self.book.assessments[section - FIXED_COLUMNS].title
        if role == Qt.ItemDataRole.ToolTipRole and section >= FIXED_COLUMNS:
            column = self.book.assessments[section - FIXED_COLUMNS]
            return (
                f"{column.title} ({column.module_title}): pass mark "
                f"{percent(column.passing_score)}, {column.attempt_policy} attempt counts, "
                f"{column.max_points:g} points"
            )
        return None

    # -- cells ---------------------------------------------------------------------------
    def cell_at(self, row: int, column: int) -> GradeCell:
        assert self.book is not None
        if column < FIXED_COLUMNS:
            return EMPTY_CELL
        student = self.book.students[row]
        return self.book.cell(
            student.user_id, self.book.assessments[column - FIXED_COLUMNS].item_id
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.book is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        student = self.book.students[row]
        if role == USER_ID_ROLE:
            return student.user_id
        if column == 0:
            if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
                return student.display_name
            return None
        if column == 1:
            average = self.book.student_average(student.user_id)
            if role == Qt.ItemDataRole.DisplayRole:
                return percent(average) or "—"
            if role == SORT_ROLE:
                return -1.0 if average is None else average
            return None
        cell = self.cell_at(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(cell)
        if role == SORT_ROLE:
            return cell.score if cell.score is not None else _NO_SCORE_RANK.get(cell.status, -3.0)
        if role == STATUS_ROLE:
            return cell.status
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATUS_COLOURS.get(cell.status)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tries = f"{cell.attempts} attempt{'s' if cell.attempts != 1 else ''}"
            extra = f", {cell.awaiting_grading} to grade" if cell.awaiting_grading else ""
            return f"{student.display_name}: {cell.status.value} ({tries}{extra})"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


# Status filters offered to the teacher: label -> statuses a row must have in some column.
STATUS_FILTERS: dict[str, frozenset[GradeStatus] | None] = {
    "All students": None,
    "Failing something": frozenset({GradeStatus.FAILED}),
    "Something to grade": frozenset({GradeStatus.AWAITING_GRADING}),
    "Not started something": frozenset({GradeStatus.NOT_STARTED}),
}


class GradebookFilter(QSortFilterProxyModel):
    """Sorts by the numbers behind the cells; filters by a name and by a status."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._statuses: frozenset[GradeStatus] | None = None
        self._students: frozenset[str] | None = None

    def set_name_filter(self, text: str) -> None:
        self.setFilterFixedString(text)

    def set_status_filter(self, label: str) -> None:
        self._change(statuses=STATUS_FILTERS[label])

    def set_students(self, user_ids: list[str] | None) -> None:
        """Show only these students (an insight's), or everyone again with None."""
        self._change(students=None if user_ids is None else frozenset(user_ids))

    def _change(self, **filters: frozenset | None) -> None:
        begin = getattr(self, "beginFilterChange", None)  # Qt 6.9+: invalidateFilter deprecated
        if begin is not None:
            begin()
        if "statuses" in filters:
            self._statuses = filters["statuses"]
        if "students" in filters:
            self._students = filters["students"]
        if begin is not None:
            self.endFilterChange()
        else:
            self.invalidateFilter()

    @property
    def students_only(self) -> frozenset[str] | None:
        return self._students

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not super().filterAcceptsRow(source_row, source_parent):
            return False
        model = self.sourceModel()
        if self._students is not None:
            user_id = model.index(source_row, 0, source_parent).data(USER_ID_ROLE)
            if user_id not in self._students:
                return False
        if self._statuses is None:
            return True
        return any(
            model.index(source_row, column, source_parent).data(STATUS_ROLE) in self._statuses
            for column in range(FIXED_COLUMNS, model.columnCount(source_parent))
        )

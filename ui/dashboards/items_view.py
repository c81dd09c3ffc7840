"""Item analysis of one quiz as a table: difficulty, discrimination, option counts, flags."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.analytics.items import ItemAnalysis

COLUMNS = ["Question", "Answered", "Difficulty", "Discrimination", "Options chosen", "Flags"]
SUSPECT = QColor("#f8d7d7")
NOTE = QColor("#fff1c2")


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


class ItemAnalysisView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Item analysis")
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def show_analysis(self, analysis: ItemAnalysis) -> None:
        suspects = [s.question_id for s in analysis.items if s.key_probably_wrong]
        self.summary.setText(
            f"<b>{analysis.title}</b>: first attempts of {analysis.learners} learners; "
            f"reliability (Cronbach's alpha) {_number(analysis.reliability)}. "
            "Difficulty is the share earned; discrimination the correlation with the rest of "
            "the quiz (below 0.2 separates poorly)."
            + (f" <b>Check the key of {', '.join(suspects)}.</b>" if suspects else "")
        )
        self.table.setRowCount(len(analysis.items))
        for row, stats in enumerate(analysis.items):
            options = ", ".join(
                f"{o.option_id}{'*' if o.is_key else ''}: {o.chosen}" for o in stats.options
            )
            cells = [
                stats.question_id,
                str(stats.responses),
                _number(stats.difficulty),
                _number(stats.discrimination),
                options,
                "; ".join(stats.flags),
            ]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 0:
                    cell.setToolTip(stats.prompt)
                if stats.key_probably_wrong:
                    cell.setBackground(QBrush(SUSPECT))
                elif stats.flags:
                    cell.setBackground(QBrush(NOTE))
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

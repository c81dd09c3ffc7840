"""The class overview: three plots and the insights, each insight linked to its students."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.analytics.dashboard import ClassOverview
from app.analytics.insights import Insight
from ui.dashboards.charts import CompletionChart, ScoreChart, TimeChart


class ClassOverviewView(QWidget):
    # The user ids of an insight the teacher opened, to show those students in the gradebook.
    students_chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overview: ClassOverview | None = None
        self.completion = CompletionChart()
        self.scores = ScoreChart()
        self.times = TimeChart()
        self.quiz_box = QComboBox()
        self.quiz_box.setAccessibleName("Quiz for the score distribution")
        self.quiz_box.currentIndexChanged.connect(self._show_quiz)
        self.insights = QListWidget()
        self.insights.setAccessibleName("Insights")
        self.insights.setWordWrap(True)
        self.insights.itemActivated.connect(self._open_insight)
        self.insights.itemClicked.connect(self._open_insight)

        scores = QVBoxLayout()
        scores.addWidget(self.quiz_box)
        scores.addWidget(self.scores, 1)
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Insights</b> (choose one to see its students)"))
        side.addWidget(self.insights, 1)
        grid = QGridLayout(self)
        grid.addWidget(self.completion, 0, 0)
        grid.addLayout(scores, 0, 1)
        grid.addWidget(self.times, 1, 0)
        grid.addLayout(side, 1, 1)

    def show_overview(self, overview: ClassOverview, insights: list[Insight]) -> None:
        self.overview = overview
        self.completion.show_points(overview.completion)
        self.times.show_times(overview.time_on_task)
        self.quiz_box.blockSignals(True)
        self.quiz_box.clear()
        for distribution in overview.distributions:
            self.quiz_box.addItem(distribution.title, distribution.item_id)
        self.quiz_box.blockSignals(False)
        self._show_quiz(0)
        self.insights.clear()
        for insight in insights:
            item = QListWidgetItem(insight.text)
            item.setData(Qt.ItemDataRole.UserRole, insight.user_ids)
            self.insights.addItem(item)
        if not insights:
            self.insights.addItem(QListWidgetItem("Nothing stands out at the moment."))

    def _show_quiz(self, index: int) -> None:
        if self.overview is None:
            return
        found = (
            self.overview.distributions[index]
            if 0 <= index < len(self.overview.distributions)
            else None
        )
        self.scores.show_distribution(found)

    def _open_insight(self, item: QListWidgetItem) -> None:
        user_ids = item.data(Qt.ItemDataRole.UserRole)
        if user_ids:
            self.students_chosen.emit(list(user_ids))

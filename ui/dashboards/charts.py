"""The three class-overview plots. Each takes plain figures from app.analytics.dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, time

import ui.dashboards  # noqa: F401  (sets PYQTGRAPH_QT_LIB before pyqtgraph is imported)

import pyqtgraph as pg  # isort: skip

from app.analytics.dashboard import CompletionPoint, ScoreDistribution, TimeOnTask

PASS_PEN = pg.mkPen("#2e7d32", width=2, style=pg.QtCore.Qt.PenStyle.DashLine)


class CompletionChart(pg.PlotWidget):
    """The class's completion share (in %) at the end of each day with activity."""

    def __init__(self) -> None:
        super().__init__(title="Completion over time", axisItems={"bottom": pg.DateAxisItem()})
        self.setBackground("w")
        self.setLabel("left", "items completed (% of class × items)")
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.curve = self.plot([], [], pen=pg.mkPen("#1565c0", width=2), symbol="o", symbolSize=5)

    def show_points(self, points: list[CompletionPoint]) -> None:
        xs = [datetime.combine(p.day, time(12), tzinfo=UTC).timestamp() for p in points]
        self.curve.setData(xs, [p.share * 100 for p in points])
        self.setYRange(0, 100)


class ScoreChart(pg.PlotWidget):
    """How the counted scores of one quiz spread, in 10% bins, with its pass mark."""

    def __init__(self) -> None:
        super().__init__(title="Score distribution")
        self.setBackground("w")
        self.setLabel("left", "students")
        self.setLabel("bottom", "counted score (%)")
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=9, brush="#90caf9")
        self.addItem(self.bars)
        self.pass_line = pg.InfiniteLine(angle=90, pen=PASS_PEN)
        self.addItem(self.pass_line)
        self.distribution: ScoreDistribution | None = None

    def show_distribution(self, distribution: ScoreDistribution | None) -> None:
        self.distribution = distribution
        counts = distribution.counts if distribution else []
        self.bars.setOpts(x=[i * 10 + 5 for i in range(len(counts))], height=counts, width=9)
        if distribution is not None:
            self.setTitle(f"Score distribution — {distribution.title}")
            self.pass_line.setPos(distribution.passing_score * 100)
        self.setXRange(0, 100)


class TimeChart(pg.PlotWidget):
    """Minutes of measured time on task per student (quizzes and video played)."""

    def __init__(self) -> None:
        super().__init__(title="Time on task (quizzes and video, minutes)")
        self.setBackground("w")
        self.setLabel("left", "minutes")
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#a5d6a7")
        self.addItem(self.bars)
        self.rows: list[TimeOnTask] = []

    def show_times(self, rows: list[TimeOnTask]) -> None:
        self.rows = rows
        self.bars.setOpts(
            x=list(range(len(rows))), height=[r.total_s / 60 for r in rows], width=0.7
        )
        axis = self.getAxis("bottom")
        axis.setTicks([[(i, r.display_name) for i, r in enumerate(rows)]])

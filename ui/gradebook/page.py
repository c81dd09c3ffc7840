"""The teacher's gradebook page: pick a course, sort and filter the table, open a student.

The gradebook is built off the GUI thread (`TaskThread`); the service itself refuses anyone
but a teacher or an administrator, so a student who reaches this page sees only the refusal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.analytics.activity import course_activity
from app.analytics.dashboard import class_overview
from app.analytics.drilldown import student_record
from app.analytics.grade_export import GradeExport, export_grades
from app.analytics.gradebook import Gradebook, build_gradebook
from app.analytics.insights import class_insights
from app.analytics.items import analyse_items
from app.courses.catalog import list_courses
from ui.context import AppContext
from ui.dashboards.items_view import ItemAnalysisView
from ui.dashboards.overview import ClassOverviewView
from ui.dashboards.report import ClassReport, print_report, save_report_pdf
from ui.gradebook.drilldown import StudentRecordView
from ui.gradebook.model import STATUS_FILTERS, USER_ID_ROLE, GradebookFilter, GradebookModel
from ui.workers import TaskThread

EXPORT_FORMATS = {"moodle": "Moodle grade import (CSV)", "google": "Google Classroom (CSV)"}


def load_class_report(ctx: AppContext, course_id: str) -> ClassReport:
    """Everything the page shows, read in one snapshot off the GUI thread."""
    actor = ctx.user_id
    with ctx.store.read() as session:
        # The permission check is here, once; the rest reads the same snapshot for this actor.
        book = build_gradebook(session, course_id, actor_id=actor)
        activity = course_activity(session, course_id)
        overview = class_overview(session, course_id, book=book, activity=activity)
        insights = class_insights(session, course_id, book=book, activity=activity)
        analyses = [analyse_items(session, course_id, a.item_id) for a in book.assessments]
    return ClassReport(overview, insights, analyses)


class GradebookPage(QWidget):
    loaded = Signal(object)  # the ClassReport, once shown
    exported = Signal(object)  # the GradeExport, once written
    failed = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.book: Gradebook | None = None
        self.report: ClassReport | None = None
        self._tasks: list[TaskThread] = []

        self.heading = QLabel("<h1>Gradebook</h1>")
        self.course_box = QComboBox()
        self.course_box.setAccessibleName("Course")
        self.course_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Find a student…")
        self.name_filter.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItems(list(STATUS_FILTERS))
        self.status_filter.setAccessibleName("Show")
        self.export_button = QPushButton("Export grades…")
        menu = QMenu(self.export_button)
        for fmt, label in EXPORT_FORMATS.items():
            menu.addAction(label).triggered.connect(lambda _c=False, f=fmt: self.ask_export(f))
        self.export_button.setMenu(menu)
        self.report_button = QPushButton("Report…")
        report_menu = QMenu(self.report_button)
        report_menu.addAction("Print…").triggered.connect(self.ask_print)
        report_menu.addAction("Save as PDF…").triggered.connect(self.ask_save_pdf)
        self.report_button.setMenu(report_menu)
        self.message = QLabel()
        self.message.setWordWrap(True)

        self.model = GradebookModel(self)
        self.proxy = GradebookFilter(self)
        self.proxy.setSourceModel(self.model)
        self.name_filter.textChanged.connect(self.proxy.set_name_filter)
        self.status_filter.currentTextChanged.connect(self._status_chosen)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAccessibleName("Grades by student and quiz")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.record = StudentRecordView()
        self.overview = ClassOverviewView()
        self.overview.students_chosen.connect(self.show_students)
        self.items = ItemAnalysisView()
        self.quiz_box = QComboBox()
        self.quiz_box.setAccessibleName("Quiz to analyse")
        self.quiz_box.currentIndexChanged.connect(self._show_item_analysis)

        controls = QHBoxLayout()
        for widget in (QLabel("Course:"), self.course_box, self.name_filter, self.status_filter):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        controls.addWidget(self.report_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.record)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        items_tab = QWidget()
        items_layout = QVBoxLayout(items_tab)
        items_layout.addWidget(self.quiz_box)
        items_layout.addWidget(self.items, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Grades")
        self.tabs.addTab(self.overview, "Class overview")
        self.tabs.addTab(items_tab, "Item analysis")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)

    # -- loading ---------------------------------------------------------------------------
    @property
    def course_id(self) -> str | None:
        data = self.course_box.currentData()
        return str(data) if data else None

    def refresh(self) -> None:
        """Fill the course list (keeping the chosen course) and load its gradebook."""
        chosen = self.course_id
        courses = self.ctx.read(list_courses)
        self.course_box.blockSignals(True)
        self.course_box.clear()
        for course in courses:
            self.course_box.addItem(course.title, course.id)
        index = self.course_box.findData(chosen) if chosen else 0
        self.course_box.setCurrentIndex(max(index, 0))
        self.course_box.blockSignals(False)
        self.reload()

    def reload(self) -> TaskThread | None:
        course_id = self.course_id
        if course_id is None:
            self.message.setText("No course on this computer yet.")
            self.model.set_gradebook(None)
            return None
        self.message.setText("Loading the gradebook…")
        return self._run(lambda _report: load_class_report(self.ctx, course_id), self._show)

    def _show(self, report: ClassReport) -> None:
        book = report.overview.gradebook
        self.book, self.report = book, report
        self.model.set_gradebook(book)
        self.table.resizeColumnsToContents()
        self.overview.show_overview(report.overview, report.insights)
        self.quiz_box.blockSignals(True)
        self.quiz_box.clear()
        for analysis in report.analyses:
            self.quiz_box.addItem(analysis.title, analysis.item_id)
        self.quiz_box.blockSignals(False)
        self._show_item_analysis(0)
        self.message.setText(
            f"{len(book.students)} students, {len(book.assessments)} quizzes. "
            "Green passed, red failed, yellow waits for your grading; * marks a provisional score."
        )
        self.loaded.emit(report)

    def _show_item_analysis(self, index: int) -> None:
        if self.report is not None and 0 <= index < len(self.report.analyses):
            self.items.show_analysis(self.report.analyses[index])

    def _status_chosen(self, label: str) -> None:
        self.proxy.set_status_filter(label)
        if label == "All students":
            self.proxy.set_students(None)

    def show_students(self, user_ids: list[str]) -> None:
        """Show only these students in the grades table (an insight's), and switch to it."""
        self.proxy.set_students(user_ids)
        self.tabs.setCurrentIndex(0)
        self.message.setText(
            f"Showing the {len(user_ids)} students of the insight; choose “All students” "
            "to see everyone."
        )

    def _run(self, fn, on_done) -> TaskThread:
        task = TaskThread(fn, self)
        task.finished_ok.connect(on_done)
        task.failed.connect(self._show_failure)
        task.finished.connect(lambda: self._tasks.remove(task))
        self._tasks.append(task)
        task.start()
        return task

    def _show_failure(self, message: str) -> None:
        self.message.setText(message)
        self.failed.emit(message)

    # -- drill-down ------------------------------------------------------------------------
    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.show_student(str(current.data(USER_ID_ROLE)))

    def show_student(self, user_id: str) -> None:
        if self.book is None:
            return
        course_id, actor = self.book.course_id, self.ctx.user_id
        attempts = self.ctx.read(lambda s: student_record(s, course_id, user_id, actor_id=actor))
        name = next((s.display_name for s in self.book.students if s.user_id == user_id), "")
        self.record.show_record(name, attempts)

    # -- export ----------------------------------------------------------------------------
    def ask_export(self, fmt: str) -> None:
        if self.book is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            EXPORT_FORMATS[fmt],
            str(Path.home() / f"{self.book.course_id}-grades-{fmt}.csv"),
            "CSV files (*.csv)",
        )
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> TaskThread | None:
        if self.book is None:
            return None
        course_id, actor = self.book.course_id, self.ctx.user_id

        def write(_report):
            with self.ctx.store.read() as session:
                return export_grades(session, course_id, fmt, path, actor_id=actor)

        return self._run(write, self._exported)

    def _exported(self, result: GradeExport) -> None:
        self.message.setText(f"Grades written to {result.path}.")
        self.exported.emit(result)

    # -- report ----------------------------------------------------------------------------
    def ask_print(self) -> None:
        if self.report is not None:
            print_report(self.report, self)

    def ask_save_pdf(self) -> None:
        if self.report is None:
            return
        course_id = self.report.overview.gradebook.course_id
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the report", str(Path.home() / f"{course_id}-report.pdf"), "PDF (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> Path | None:
        if self.report is None:
            return None
        save_report_pdf(self.report, path)
        self.message.setText(f"Report saved to {path}.")
        return path

    def shutdown(self) -> None:
        for task in list(self._tasks):
            task.wait()

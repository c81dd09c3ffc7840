"""The main window: a stack of pages, a menu, and the sync state in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from app import outbox
from app.courses.catalog import get_item
from app.db.models import ItemKind
from app.profiles import Profile
from ui.context import AppContext
from ui.pages.courses import CourseListPage
from ui.pages.lesson import LessonReader
from ui.pages.outline import CourseOutlinePage
from ui.pages.profiles import ProfilePage
from ui.pages.progress import ProgressPage
from ui.pages.quiz import QuizRunner
from ui.sync_worker import SyncStatus, SyncWorker
from ui.workers import TaskThread

if TYPE_CHECKING:
    from ui.pages.video import VideoPlayerPage


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, start_sync: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("Slate")
        self.resize(1100, 720)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)

        self.profiles = ProfilePage(ctx)
        self.courses = CourseListPage(ctx)
        self.outline = CourseOutlinePage(ctx)
        self.lesson = LessonReader(ctx)
        self.quiz = QuizRunner(ctx)
        self.progress_page = ProgressPage(ctx)
        # Created on first use: QtMultimedia is slow to import.
        self._video: VideoPlayerPage | None = None
        for page in (
            self.profiles,
            self.courses,
            self.outline,
            self.lesson,
            self.quiz,
            self.progress_page,
        ):
            self.stack.addWidget(page)

        self.profiles.chosen.connect(self.choose_profile)
        self.courses.opened.connect(self.open_course)
        self.courses.import_requested.connect(self.ask_import)
        self.outline.item_opened.connect(self.open_item)
        self.lesson.back.connect(self.back_to_outline)
        self.lesson.navigate.connect(self.open_item)
        self.quiz.back.connect(self.back_to_outline)

        self._build_menu()
        self._build_toolbar()
        self.sync_label = QLabel()
        self.sync_label.setAccessibleName("Sync status")
        self.sync_button = QPushButton("Sync now")
        self.sync_button.clicked.connect(self.sync_now)
        self.statusBar().addPermanentWidget(self.sync_label, 1)
        self.statusBar().addPermanentWidget(self.sync_button)

        self.sync_worker = SyncWorker(ctx.store, parent=self)
        self.sync_worker.status.connect(self.show_sync_status)
        # After learner actions, sync soon, but not after every single click.
        self._sync_soon = QTimer(self, singleShot=True, interval=3000)
        self._sync_soon.timeout.connect(self.sync_worker.request_sync)
        ctx.events_recorded.connect(self._on_events_recorded)
        self.last_sync_status: SyncStatus | None = None
        self._imports: list[TaskThread] = []
        self._refresh_pending()
        if start_sync:
            self.sync_worker.start()
        self.stack.setCurrentWidget(self.profiles)

    # -- menu --------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import course…", self, shortcut=QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.ask_import)
        switch = QAction("&Switch learner", self, shortcut=QKeySequence("Ctrl+L"))
        switch.triggered.connect(self.switch_profile)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        for action in (self.import_action, switch, quit_action):
            file_menu.addAction(action)
        go = self.menuBar().addMenu("&Go")
        home = QAction("My &courses", self, shortcut=QKeySequence("Ctrl+H"))
        home.triggered.connect(self.show_courses)
        progress = QAction("My &progress", self, shortcut=QKeySequence("Ctrl+P"))
        progress.triggered.connect(self.show_progress)
        go.addAction(home)
        go.addAction(progress)
        sync_menu = self.menuBar().addMenu("&Sync")
        sync_now = QAction("Sync &now", self, shortcut=QKeySequence("F5"))
        sync_now.triggered.connect(self.sync_now)
        settings = QAction("&Settings…", self)
        settings.triggered.connect(self.open_settings)
        sync_menu.addAction(sync_now)
        sync_menu.addAction(settings)

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Navigation")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for text, slot in (
            ("My courses", self.show_courses),
            ("My progress", self.show_progress),
            ("Switch learner", self.switch_profile),
        ):
            action = bar.addAction(text)
            action.triggered.connect(slot)
        self.profile_label = QLabel()
        self.profile_label.setContentsMargins(12, 0, 0, 0)
        bar.addWidget(self.profile_label)
        self.ctx.profile_changed.connect(
            lambda p: self.profile_label.setText(f"Learner: <b>{p.display_name}</b>" if p else "")
        )

    # -- navigation --------------------------------------------------------------------------
    def _show(self, page: QWidget) -> None:
        video = self._video
        if video is not None and page is not video and self.stack.currentWidget() is video:
            video.leave()
        self.stack.setCurrentWidget(page)

    def choose_profile(self, profile: Profile) -> None:
        self.ctx.set_profile(profile)
        self.setWindowTitle(f"Slate — {profile.display_name}")
        self.show_courses()

    def switch_profile(self) -> None:
        self._show(self.profiles)
        self.ctx.set_profile(None)
        self.setWindowTitle("Slate")
        self.profiles.refresh()

    def show_courses(self) -> None:
        if self.ctx.profile is None:
            return
        self.courses.refresh()
        self._show(self.courses)

    def show_progress(self) -> None:
        if self.ctx.profile is None:
            return
        self.progress_page.refresh()
        self._show(self.progress_page)

    def open_course(self, course_id: str) -> None:
        self.outline.show_course(course_id)
        self._show(self.outline)

    def back_to_outline(self) -> None:
        self.outline.refresh()
        self._show(self.outline)

    @property
    def video(self) -> VideoPlayerPage:
        if self._video is None:
            from ui.pages.video import VideoPlayerPage

            self._video = VideoPlayerPage(self.ctx)
            self._video.back.connect(self.back_to_outline)
            self.stack.addWidget(self._video)
        return self._video

    def open_item(self, course_id: str, item_id: str) -> None:
        kind = self.ctx.read(lambda s: get_item(s, course_id, item_id).kind)
        if kind == ItemKind.LESSON:
            self.lesson.show_lesson(course_id, item_id)
            self._show(self.lesson)
        elif kind == ItemKind.VIDEO:
            self.video.show_video(course_id, item_id)
            self._show(self.video)
        elif kind == ItemKind.QUIZ:
            self.quiz.show_quiz(course_id, item_id)
            self._show(self.quiz)
        else:
            QMessageBox.information(self, "Slate", "Documents open in the system viewer.")

    # -- importing ---------------------------------------------------------------------------
    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import a course package",
            str(Path.home()),
            "Course packages (course.json *.zip);;All files (*)",
        )
        if path:
            self.import_package(Path(path).parent if path.endswith("course.json") else Path(path))

    def import_package(self, path: Path) -> TaskThread:
        # Imported here: pydantic models of the package format cost start-up time otherwise.
        from app.courses.importer import ImportResult, import_course

        dialog = QProgressDialog(f"Importing {path.name}…", "", 0, 100, self)
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(300)
        task = TaskThread(lambda report: import_course(self.ctx.store, path, progress=report), self)

        def on_progress(done: int, total: int, what: str) -> None:
            dialog.setValue(int(done * 100 / total) if total else 0)
            dialog.setLabelText(what)

        def on_done(result: ImportResult) -> None:
            dialog.close()
            self.statusBar().showMessage(f"{result.title}: {result.status}", 8000)
            if self.ctx.profile is not None:
                self.show_courses()

        def on_failed(message: str) -> None:
            dialog.close()
            QMessageBox.warning(self, "Course not imported", message)

        task.progress.connect(on_progress)
        task.finished_ok.connect(on_done)
        task.failed.connect(on_failed)
        task.finished.connect(lambda: self._imports.remove(task))
        self._imports.append(task)
        task.start()
        return task

    # -- sync --------------------------------------------------------------------------------
    def _on_events_recorded(self) -> None:
        self._refresh_pending()
        self._sync_soon.start()

    def _refresh_pending(self) -> None:
        counts = self.ctx.read(outbox.counts)
        last = self.last_sync_status
        if last is None or last.state in ("not_configured", "offline", "error", "synced"):
            state = last.state if last else "not_configured"
            self.show_sync_status(
                SyncStatus(
                    state, counts.pending, last.message if last else "", counts.last_sync_at
                ),
                remember=False,
            )

    def show_sync_status(self, status: SyncStatus, remember: bool = True) -> None:
        if remember:
            self.last_sync_status = status
        self.sync_label.setText(status.describe())

    def sync_now(self) -> None:
        self.sync_worker.request_sync()

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        if dialog.exec():
            self.sync_worker.set_enrollment(dialog.apply())

    # -- closing -----------------------------------------------------------------------------
    def shutdown(self) -> None:
        if self._video is not None:
            self._video.leave()
        self.sync_worker.stop()
        for task in list(self._imports):
            task.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

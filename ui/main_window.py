"""The main window: a stack of pages, a menu, and the sync state in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
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
    from app.search import SearchHit
    from ui.gradebook.page import GradebookPage
    from ui.pages.grading import GradingPage
    from ui.pages.search import SearchPage
    from ui.pages.video import VideoPlayerPage


class MainWindow(QMainWindow):
    def __init__(
        self, ctx: AppContext, *, start_sync: bool = True, sync_interval_s: float | None = None
    ) -> None:
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

        self.sync_worker = SyncWorker(ctx.store, parent=self, configured_s=sync_interval_s)
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
        self.bank_action = QAction("Import question &bank…", self)
        self.bank_action.triggered.connect(self.open_bank_import)
        self.restore_action = QAction("&Restore from backup…", self)
        self.restore_action.triggered.connect(self.open_restore)
        for action in (
            self.import_action,
            self.bank_action,
            self.restore_action,
            switch,
            quit_action,
        ):
            file_menu.addAction(action)
        go = self.menuBar().addMenu("&Go")
        home = QAction("My &courses", self, shortcut=QKeySequence("Ctrl+H"))
        home.triggered.connect(self.show_courses)
        progress = QAction("My &progress", self, shortcut=QKeySequence("Ctrl+P"))
        progress.triggered.connect(self.show_progress)
        go.addAction(home)
        go.addAction(progress)
        self.gradebook_action = QAction("Class &gradebook", self, shortcut=QKeySequence("Ctrl+G"))
        self.gradebook_action.triggered.connect(self.show_gradebook)
        go.addAction(self.gradebook_action)
        # Offered to teachers and administrators only; the rule is app.accounts.permissions.
        self.grading_action = QAction("Grading &queue", self)
        self.grading_action.triggered.connect(self.show_grading)
        self.grading_action.setVisible(False)
        go.addAction(self.grading_action)
        self.ctx.profile_changed.connect(self._offer_grading)
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
        self._build_search(bar)

    def _build_search(self, bar: QToolBar) -> None:
        """The search box at the right of the toolbar, and the results page it fills."""
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search lessons, videos, questions…")
        self.search_box.setAccessibleName("Search")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(260)
        self.search_box.returnPressed.connect(self.run_search)
        bar.addWidget(self.search_box)
        find = QAction("Search", self, shortcut=QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(self.focus_search)
        self.addAction(find)

    @property
    def search_page(self) -> SearchPage:
        # Created on first use, like the video page: it keeps the search code out of start-up.
        page: SearchPage | None = getattr(self, "_search_page", None)
        if page is None:
            from ui.pages.search import SearchPage

            page = self._search_page = SearchPage(self.ctx)
            page.hit_opened.connect(self.open_hit)
            self.stack.addWidget(page)
        return page

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def run_search(self) -> None:
        query = self.search_box.text()
        if self.ctx.profile is None:
            self.statusBar().showMessage("Choose a learner first, then search.", 5000)
            return
        if not query.strip():
            return
        self.search_page.run(query)
        self._show(self.search_page)

    def open_hit(self, hit: SearchHit) -> None:
        """Open a search hit at its place: a lesson at its heading, a video at its time."""
        # So that "Back to course" leads to the hit's course.
        self.outline.show_course(hit.course_id)
        if hit.kind == "lesson":
            # The reader opens a folded box that holds the anchor; then the heading is put at
            # the top with the cursor on it, where a keyboard user expects to be.
            self.lesson.show_lesson(hit.course_id, hit.item_id, anchor=hit.anchor or "")
            self._show(self.lesson)
            if hit.anchor:
                from ui.pages.search import scroll_to_heading

                scroll_to_heading(self.lesson.browser, hit.anchor)
        elif hit.kind in ("transcript", "notes"):
            self.video.show_video(
                hit.course_id, hit.item_id, start_s=hit.time_s, subtitle_language=hit.language
            )
            self._show(self.video)
        else:
            self.open_item(hit.course_id, hit.item_id)

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

    @property
    def gradebook_page(self) -> GradebookPage:
        # Created on first use: teachers only, and it keeps the analytics out of start-up.
        page: GradebookPage | None = getattr(self, "_gradebook_page", None)
        if page is None:
            from ui.gradebook.page import GradebookPage

            page = self._gradebook_page = GradebookPage(self.ctx)
            self.stack.addWidget(page)
        return page

    def show_gradebook(self) -> None:
        if self.ctx.profile is None:
            self.statusBar().showMessage("Sign in as a teacher to see the gradebook.", 5000)
            return
        self.gradebook_page.refresh()
        self._show(self.gradebook_page)

    def _offer_grading(self, profile: Profile | None) -> None:
        from app.accounts.permissions import GRADING_OPEN, allowed

        may = profile is not None and self.ctx.read(lambda s: allowed(s, profile.id, GRADING_OPEN))
        self.grading_action.setVisible(may)

    @property
    def grading_page(self) -> GradingPage:
        page: GradingPage | None = getattr(self, "_grading_page", None)
        if page is None:
            from ui.pages.grading import GradingPage

            page = self._grading_page = GradingPage(self.ctx)
            self.stack.addWidget(page)
        return page

    def show_grading(self) -> None:
        if not self.grading_action.isVisible():
            return
        self.grading_page.refresh()
        self._show(self.grading_page)

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
            self.open_document(course_id, item_id)

    def open_document(self, course_id: str, item_id: str) -> None:
        """Documents (PDF and the like) open in the computer's own viewer; opening one is the
        only signal there is, so it counts as done."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from app.courses.catalog import stored_file
        from app.learning import complete_lesson
        from app.learning import open_item as record_open

        def locate(session):
            item = get_item(session, course_id, item_id)
            if item.media_sha256 is None:
                return None
            return stored_file(session, self.ctx.media_dir, item.media_sha256)

        path = self.ctx.read(locate)
        if path is None or not path.exists():
            QMessageBox.warning(self, "Slate", "This document is missing from this computer.")
            return

        def done(session):
            record_open(session, self.ctx.user_id, course_id, item_id)
            complete_lesson(session, self.ctx.user_id, course_id, item_id)

        self.ctx.record(done)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            QMessageBox.information(
                self,
                "Open the document",
                f"This computer has no viewer set up for it. The file is here:\n{path}",
            )
        self.outline.refresh()

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

    def open_bank_import(self) -> None:
        from ui.bank_import_dialog import BankImportDialog  # on first use: keeps start-up fast

        dialog = BankImportDialog(self.ctx, self)
        dialog.imported.connect(lambda _id: self.statusBar().showMessage("Bank imported.", 8000))
        dialog.open()

    def open_restore(self) -> None:
        from ui.restore_dialog import open_restore_dialog  # on first use: keeps start-up fast

        open_restore_dialog(self)

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
        self.sync_label.setToolTip(status.message)

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
        if getattr(self, "_search_page", None) is not None:
            self.search_page.shutdown()
        if getattr(self, "_gradebook_page", None) is not None:
            self.gradebook_page.shutdown()
        for task in list(self._imports):
            task.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

"""Reading a Markdown lesson in a QTextBrowser (raw HTML off, nothing fetched from the network)."""

from __future__ import annotations

import posixpath

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from app.courses.catalog import course_file_path, get_item, lesson_paths
from app.learning import complete_lesson, open_item
from app.lessons import is_remote, render_lesson_html
from app.progress import item_progress
from ui.context import AppContext

LESSON_CSS = """
body { font-size: 15px; line-height: 1.45; }
h1 { font-size: 24px; } h2 { font-size: 20px; } h3 { font-size: 17px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #999; padding: 4px 8px; }
th { background: #eef2f7; }
code, pre { font-family: monospace; background: #f4f4f4; }
.math { font-family: serif; font-size: 17px; }
.placeholder { color: #8a4b00; background: #fff4e0; }
"""


class LessonReader(QWidget):
    back = Signal()
    navigate = Signal(str, str)  # course id, item id of a linked lesson
    completed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.course_id = ""
        self.item_id = ""
        self.source_path = ""
        self.title = QLabel()
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Lesson text")
        self.browser.setOpenLinks(False)
        self.browser.document().setDefaultStyleSheet(LESSON_CSS)
        self.browser.anchorClicked.connect(self._follow)
        self.back_button = QPushButton("← Back to course")
        self.back_button.clicked.connect(self.back)
        self.done_button = QPushButton("Mark as done")
        self.done_button.clicked.connect(self.mark_done)
        self.done_label = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.done_label)
        row.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        layout.addLayout(row)

    def show_lesson(self, course_id: str, item_id: str) -> None:
        self.course_id, self.item_id = course_id, item_id
        media_dir = self.ctx.media_dir

        def load(session):
            item = get_item(session, course_id, item_id)

            def resolve(path: str) -> str | None:
                stored = course_file_path(session, media_dir, course_id, path)
                return QUrl.fromLocalFile(str(stored)).toString() if stored else None

            html = render_lesson_html(
                item.body_md, resolve_image=resolve, lesson_path=item.source_path
            )
            done = item_progress(session, self.ctx.user_id, course_id).get(item_id)
            return item.title, item.source_path, html, bool(done and done.completed)

        title, self.source_path, html, done = self.ctx.read(load)
        self.ctx.record(lambda s: open_item(s, self.ctx.user_id, course_id, item_id))
        self.title.setText(f"<h2>{title}</h2>")
        self.browser.setHtml(html)
        self._show_done(done)

    def _show_done(self, done: bool) -> None:
        self.done_button.setEnabled(not done)
        self.done_label.setText("✓ Done" if done else "")

    def mark_done(self) -> None:
        self.ctx.record(
            lambda s: complete_lesson(s, self.ctx.user_id, self.course_id, self.item_id)
        )
        self._show_done(True)
        self.completed.emit()

    def _follow(self, url: QUrl) -> None:
        href = url.toString()
        if href.startswith("#"):
            self.browser.scrollToAnchor(href[1:])
            return
        if is_remote(href) and not href.startswith("file:"):
            # Links out of the course open in the system browser, only when the learner clicks.
            QDesktopServices.openUrl(url)
            return
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname(self.source_path), href.split("#", 1)[0])
        )
        item_id = self.ctx.read(lambda s: lesson_paths(s, self.course_id)).get(target)
        if item_id:
            self.navigate.emit(self.course_id, item_id)

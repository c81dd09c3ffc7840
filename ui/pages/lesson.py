"""Reading a Markdown lesson in a QTextBrowser (raw HTML off, nothing fetched from the network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QSize, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QImageReader, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.courses.catalog import course_file_path, get_item, lesson_paths
from app.db.models import Role
from app.learning import complete_lesson, open_item
from app.lessons import (
    RenderedLesson,
    fold_id_of,
    is_remote,
    render_lesson,
    resolve_lesson_link,
)
from app.lessons.svg import qt_compatible_svg
from app.progress import item_progress
from ui.context import AppContext

LESSON_CSS = """
body { font-size: 15px; }
p, li { line-height: 140%; }
p.figure, p.math { line-height: 100%; }
h1 { font-size: 24px; } h2 { font-size: 20px; } h3 { font-size: 17px; } h4 { font-size: 15px; }
table { border-collapse: collapse; margin-top: 8px; margin-bottom: 8px; }
th, td { border: 1px solid #999; padding: 4px 8px; }
th { background: #eef2f7; }
code { font-family: monospace; background-color: #eff1f3; }
pre { font-family: monospace; font-size: 13px; }
.kbd { font-family: monospace; font-size: 13px; background-color: #e6e8eb; }
.placeholder { color: #8a4b00; background-color: #fff4e0; }
"""
TEACHER_ROLES = (Role.TEACHER, Role.ADMINISTRATOR)


class LessonBrowser(QTextBrowser):
    """A QTextBrowser that loads only local pictures, sharp on high-DPI screens.

    Remote resources are never fetched: the lesson renderer already replaced remote images,
    and this is the second lock on that door.
    """

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        url = QUrl(name)
        if kind != QTextDocument.ResourceType.ImageResource:
            return super().loadResource(kind, url)
        if not url.isLocalFile():
            return None
        return self.load_image(url.toLocalFile())

    def load_image(self, path: str) -> QImage | None:
        if path.lower().endswith(".svg"):
            try:
                data = qt_compatible_svg(Path(path).read_bytes())
            except OSError:
                return None
            buffer = QBuffer()
            buffer.setData(QByteArray(data))
            reader = QImageReader(buffer, QByteArray(b"svg"))
        else:
            reader = QImageReader(path)
        ratio = self.devicePixelRatioF()
        natural = reader.size()
        vector = reader.format() in (b"svg", b"svgz")
        if ratio != 1 and vector and natural.isValid():
            reader.setScaledSize(
                QSize(round(natural.width() * ratio), round(natural.height() * ratio))
            )
        image = reader.read()
        if image.isNull():
            return None
        if reader.scaledSize().isValid():
            image.setDevicePixelRatio(ratio)
        return image


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
        self.rendered = RenderedLesson("", ())
        self.expanded: set[str] = set()
        self._pending_anchor = ""
        self.title = QLabel()
        self.browser = LessonBrowser()
        self.browser.setAccessibleName("Lesson text")
        self.browser.setOpenLinks(False)
        self.browser.document().setDefaultStyleSheet(LESSON_CSS)
        self.browser.anchorClicked.connect(self._follow)
        self.back_button = QPushButton("← Back to course")
        self.back_button.clicked.connect(self.back)
        self.done_button = QPushButton("Mark as done")
        self.done_button.clicked.connect(self.mark_done)
        self.done_label = QLabel()
        self.link_note = QLabel()
        self.link_note.setStyleSheet("color: #8a4b00;")
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addWidget(self.link_note, 1)
        row.addWidget(self.done_label)
        row.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        layout.addLayout(row)

    @property
    def for_teacher(self) -> bool:
        profile = self.ctx.profile
        return profile is not None and profile.role in TEACHER_ROLES

    @property
    def math_cache(self) -> Path:
        return self.ctx.store.data_dir / "cache" / "math"

    def show_lesson(self, course_id: str, item_id: str, anchor: str = "") -> None:
        self.course_id, self.item_id = course_id, item_id
        anchor = anchor or self._pending_anchor
        self._pending_anchor = ""
        media_dir = self.ctx.media_dir
        for_teacher = self.for_teacher

        def load(session: Session) -> tuple[str, str, RenderedLesson, bool]:
            item = get_item(session, course_id, item_id)

            def resolve(path: str) -> str | None:
                stored = course_file_path(session, media_dir, course_id, path)
                return QUrl.fromLocalFile(str(stored)).toString() if stored else None

            rendered = render_lesson(
                item.body_md,
                resolve_image=resolve,
                lesson_path=item.source_path,
                math_cache=self.math_cache,
                for_teacher=for_teacher,
            )
            done = item_progress(session, self.ctx.user_id, course_id).get(item_id)
            return item.title, item.source_path, rendered, bool(done and done.completed)

        title, self.source_path, self.rendered, done = self.ctx.read(load)
        self.ctx.record(lambda s: open_item(s, self.ctx.user_id, course_id, item_id))
        self.title.setText(f"<h2>{title or self.rendered.title}</h2>")
        self.link_note.clear()
        self.expanded = set(self.rendered.folds_around(anchor)) if anchor else set()
        self._show_html()
        if anchor:
            self.browser.scrollToAnchor(anchor)
        self._show_done(done)

    def toggle_fold(self, fold_id: str) -> None:
        """Open or close a folded box (a solution, a hint) where the learner is reading."""
        self.expanded ^= {fold_id}
        scroll = self.browser.verticalScrollBar()
        position = scroll.value()
        self._show_html()
        scroll.setValue(position)

    def _show_html(self) -> None:
        self.browser.setHtml(self.rendered.html(self.expanded))

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
        self.link_note.clear()
        fold_id = fold_id_of(href)
        if fold_id is not None:
            self.toggle_fold(fold_id)
            return
        if is_remote(href) and not href.startswith("file:"):
            # Links out of the course open in the system browser, only when the learner clicks.
            QDesktopServices.openUrl(url)
            return
        lessons = self.ctx.read(lambda s: lesson_paths(s, self.course_id))
        link = resolve_lesson_link(href, self.source_path, lessons)
        if link is None:
            self.link_note.setText(f"“{href}” is not part of this course.")
        elif link.item_id is None:
            self.scroll_to(link.anchor)
        else:
            self._pending_anchor = link.anchor
            self.navigate.emit(self.course_id, link.item_id)

    def scroll_to(self, anchor: str) -> None:
        closed = [f for f in self.rendered.folds_around(anchor) if f not in self.expanded]
        if closed:
            self.expanded.update(closed)
            self._show_html()
        self.browser.scrollToAnchor(anchor)

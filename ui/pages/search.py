"""Search results: ranked hits with highlighted snippets; activating one opens it in place.

Queries run on the GUI thread, when Enter is pressed: FTS5 answers in under a millisecond on
the demo store, and over 10,000 lessons in a median of about 4 ms, about 70 ms at worst (a
frequent short word as a prefix) (bench/search.py): not worth a thread. Only the one-time
build of the index for a store that predates search runs in a thread.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextBlock, QTextCursor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.search import SearchHit, ensure_index, heading_anchors, index_is_current, search
from ui.context import AppContext
from ui.workers import TaskThread

KIND_LABELS = {
    "lesson": "Lesson",
    "notes": "Video notes",
    "transcript": "Video",
    "question": "Quiz question",
}
MAX_HITS = 50


def describe_place(hit: SearchHit) -> str:
    """Where a hit opens, in words: "Video at 1:05", "Lesson", ..."""
    label = KIND_LABELS.get(hit.kind, hit.kind)
    if hit.time_s is not None:
        seconds = int(hit.time_s)
        label += f" at {seconds // 60}:{seconds % 60:02d}"
    return label


def hit_html(hit: SearchHit) -> str:
    """Rich text for one hit. The snippet is already escaped, with matches in <b>…</b>."""
    return (
        f"<div><b>{escape(hit.title)}</b>"
        f" <span style='color:#555'>— {escape(describe_place(hit))} · "
        f"{escape(hit.course_title)}</span></div>"
        f"<div style='color:#222'>{hit.snippet}</div>"
    )


class SearchPage(QWidget):
    hit_opened = Signal(object)  # SearchHit

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.query = ""
        self.hits: list[SearchHit] = []
        self._building: TaskThread | None = None
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setSpacing(2)
        # Enter or double click; a single click too, like a link (unless the style already
        # activates on a single click, which would open the hit twice).
        self.results.itemActivated.connect(self._activate)
        if not self.style().styleHint(QStyle.StyleHint.SH_ItemView_ActivateItemOnSingleClick):
            self.results.itemClicked.connect(self._activate)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.results, 1)

    def run(self, query: str) -> list[SearchHit]:
        """Search every course for `query` and list the hits.

        A store made before search existed first gets its index built, once, off the GUI
        thread (about a second per thousand lessons); the query runs when that is done.
        """
        self.query = query
        if self._building is not None:
            return []  # the query runs when the index is ready
        if not self.ctx.read(index_is_current):
            self._build_index()
            return []
        self.hits = self.ctx.read(lambda session: search(session, query, limit=MAX_HITS))
        self._show_hits()
        return self.hits

    def _build_index(self) -> None:
        self.hits = []
        self.results.clear()
        self.heading.setText("Preparing search for the first time…")
        self.empty.hide()
        media_dir = self.ctx.media_dir

        def build(_report: object) -> bool:
            with self.ctx.write() as session:
                return ensure_index(session, media_dir)

        self._building = TaskThread(build, self)
        self._building.finished_ok.connect(lambda _built: self._built())
        self._building.failed.connect(self._build_failed)
        self._building.start()

    def _built(self) -> None:
        self._wait_for_build()
        self.run(self.query)

    def _build_failed(self, message: str) -> None:
        self._wait_for_build()
        self.heading.setText(f"Search is not available: {message}")

    def shutdown(self) -> None:
        """Wait for an index build in progress (the window is closing)."""
        self._wait_for_build()

    def _wait_for_build(self) -> None:
        if self._building is not None:
            self._building.wait()
            self._building = None

    def _show_hits(self) -> None:
        self.results.clear()
        count = len(self.hits)
        self.heading.setText(
            f"{count}{'+' if count >= MAX_HITS else ''} result{'s' if count != 1 else ''} "
            f"for “{self.query.strip()}”"
        )
        self.empty.setText(
            "" if self.hits else "Nothing found. Check the spelling, or try fewer or shorter words."
        )
        self.empty.setVisible(not self.hits)
        for index, hit in enumerate(self.hits):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{hit.title}, {describe_place(hit)}")
            label = QLabel(hit_html(hit))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setContentsMargins(6, 4, 6, 4)
            # Clicks go through to the list, which opens the hit.
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            item.setSizeHint(label.sizeHint())
            self.results.addItem(item)
            self.results.setItemWidget(item, label)
        if self.hits:
            self.results.setCurrentRow(0)

    def open_hit(self, index: int) -> None:
        self.hit_opened.emit(self.hits[index])

    def _activate(self, item: QListWidgetItem) -> None:
        self.open_hit(int(item.data(Qt.ItemDataRole.UserRole)))


def scroll_to_heading(browser: QTextBrowser, anchor: str) -> bool:
    """Scroll a lesson so the heading named `anchor` is at the top; False if there is none.

    The renderer marks headings with ids (and the titles of boxes with named anchors); for HTML
    without them, a heading matches by the slug of its text, the rule the index used.
    """
    document = browser.document()
    blocks = []
    block = document.begin()
    while block.isValid():
        blocks.append(block)
        block = block.next()
    target = next((b for b in blocks if anchor in _anchor_names(b)), None)
    if target is None:
        headings = [b for b in blocks if b.blockFormat().headingLevel() > 0]
        slugs = heading_anchors(b.text() for b in headings)
        target = next((b for b, slug in zip(headings, slugs, strict=True) if slug == anchor), None)
    if target is None:
        return False
    browser.setTextCursor(QTextCursor(target))
    top = document.documentLayout().blockBoundingRect(target).top()
    browser.verticalScrollBar().setValue(int(top))
    return True


def _anchor_names(block: QTextBlock) -> list[str]:
    names: list[str] = []
    fragments = block.begin()
    while not fragments.atEnd():
        names += fragments.fragment().charFormat().anchorNames()
        fragments += 1
    return names

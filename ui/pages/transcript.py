"""The side panels of the video page: a transcript that follows playback, and chapters.

Both are lists whose rows seek the video when clicked (or activated with the keyboard). They only
present: the cues and chapters come parsed from app.subtitles, and seeking goes back to the page
through `seek_requested`, so the page keeps one path for every seek (and its watch tracking).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.subtitles import Chapter, Cue, CueTrack

START_ROLE = Qt.ItemDataRole.UserRole


def clock(seconds: float) -> str:
    s = max(int(seconds), 0)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


class _SeekList(QListWidget):
    """A list of timed rows; a click or Enter on a row asks to seek to its start."""

    seek_requested = Signal(int)  # milliseconds

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.itemClicked.connect(self._seek_to)
        self.itemActivated.connect(self._seek_to)

    def add_row(self, start_s: float, text: str) -> None:
        row = QListWidgetItem(f"{clock(start_s)}   {text}")
        row.setData(START_ROLE, start_s)
        row.setToolTip(f"Go to {clock(start_s)}")
        self.addItem(row)

    def _seek_to(self, row: QListWidgetItem) -> None:
        self.seek_requested.emit(round(float(row.data(START_ROLE)) * 1000))

    def mark(self, index: int | None) -> None:
        """Show `index` as the current row and bring it into view (None: no current row)."""
        if index is None:
            self.clearSelection()
            self.setCurrentRow(-1)
            return
        if index == self.currentRow():
            return
        self.setCurrentRow(index)
        row = self.item(index)
        if row is not None and not row.isHidden():
            self.scrollToItem(row, QAbstractItemView.ScrollHint.PositionAtCenter)


class TranscriptPanel(QWidget):
    """Every cue of one subtitle track, following playback, filtered by a search box."""

    seek_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.track = CueTrack([])
        self._texts: list[str] = []
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Search the transcript")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Search the transcript")
        self.filter.textChanged.connect(self._apply_filter)
        self.count = QLabel()
        self.list = _SeekList()
        self.list.setAccessibleName("Transcript")
        self.list.seek_requested.connect(self.seek_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.count)
        layout.addWidget(self.list, 1)

    def set_cues(self, cues: list[Cue]) -> None:
        self.track = CueTrack(cues)
        self.list.clear()
        self._texts = []
        for cue in cues:
            text = " ".join(cue.text.split())
            shown = f"{cue.voice}: {text}" if cue.voice else text
            self.list.add_row(cue.start_s, shown)
            self._texts.append(shown.casefold())
        self._apply_filter(self.filter.text())

    @property
    def current_index(self) -> int:
        return self.list.currentRow()

    def follow(self, position_ms: int) -> None:
        """Highlight the cue being spoken (or the last one before a pause in speech)."""
        self.list.mark(self.track.index_before(position_ms / 1000) if self.track.cues else None)

    def visible_rows(self) -> list[int]:
        return [i for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def _apply_filter(self, text: str) -> None:
        needle = " ".join(text.split()).casefold()
        for index, haystack in enumerate(self._texts):
            self.list.item(index).setHidden(bool(needle) and needle not in haystack)
        total = len(self._texts)
        if needle:
            self.count.setText(f"{len(self.visible_rows())} of {total} lines match")
        else:
            self.count.setText(f"{total} lines" if total != 1 else "1 line")


class ChapterList(_SeekList):
    """The video's chapters; the one playing is highlighted."""

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Chapters")
        self.chapters: list[Chapter] = []
        self._starts = CueTrack([])

    def set_chapters(self, chapters: list[Chapter]) -> None:
        self.clear()
        self.chapters = chapters
        # A chapter runs until the next one starts: the start index is all that is needed.
        self._starts = CueTrack([Cue(c.start_s, c.start_s, c.title) for c in chapters])
        for chapter in chapters:
            self.add_row(chapter.start_s, chapter.title)

    def follow(self, position_ms: int) -> None:
        self.mark(self._starts.index_before(position_ms / 1000) if self.chapters else None)

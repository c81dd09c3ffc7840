"""Watching a video lesson: play, pause, seek, speed, subtitles, and honest "watched" tracking.

Only stretches that actually played count as watched: a seek starts a new stretch, so jumping to
the end does not complete a video. Stretches are saved as `progressed` events on pause, seek,
end, leaving the page, and every half minute of playing.

Beside the video, tabs hold the transcript (the cues of the chosen language, following playback
and searchable), the chapters, and the notes; clicking a cue or a chapter seeks there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.courses.catalog import get_item, stored_file
from app.db.models import Media
from app.learning import open_item, record_video_progress, resume_position
from app.lessons import render_lesson_html
from app.subtitles import Chapter, CueTrack, parse_vtt
from ui.context import AppContext
from ui.pages.transcript import ChapterList, TranscriptPanel

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
FLUSH_EVERY_S = 30.0


def fmt_time(ms: int) -> str:
    s = max(ms, 0) // 1000
    return f"{s // 60}:{s % 60:02d}"


class WatchTracker:
    """Turns position updates into stretches of real playback (pure logic, no Qt)."""

    def __init__(self) -> None:
        self.spans: list[list[float]] = []
        self._start: float | None = None
        self._last: float | None = None

    def tick(self, position_s: float, playing: bool, rate: float) -> None:
        if not playing:
            self.cut()
            return
        if self._last is not None and 0 <= position_s - self._last <= 1.5 * max(rate, 1.0):
            self._last = position_s
            return
        self.cut()  # a jump: close the stretch, start a new one here
        self._start = self._last = position_s

    def cut(self) -> None:
        if self._start is not None and self._last is not None and self._last > self._start:
            self.spans.append([self._start, self._last])
        self._start = self._last = None

    def take(self) -> list[list[float]]:
        """The finished stretches, including the one in progress; keeps tracking after it."""
        current = self._last
        self.cut()
        spans, self.spans = self.spans, []
        if current is not None:
            self._start = self._last = current
        return spans

    def unsaved_seconds(self) -> float:
        pending = sum(b - a for a, b in self.spans)
        if self._start is not None and self._last is not None:
            pending += self._last - self._start
        return pending


class VideoCanvas(QWidget):
    """Paints frames from a QVideoSink with QPainter.

    Unlike QVideoWidget this needs no GPU surface, so it works the same on old laptops with
    poor graphics drivers, offscreen, and in screenshots (`grab()` sees the frame).
    """

    def __init__(self) -> None:
        super().__init__()
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.image = QImage()
        # The thumbnail made at import, shown until the first frame arrives.
        self.poster = QImage()
        self.frames_shown = 0

    def _on_frame(self, frame: QVideoFrame) -> None:
        image = frame.toImage()
        if not image.isNull():
            self.image = image
            self.frames_shown += 1
            self.update()

    def clear(self) -> None:
        self.image = QImage()
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000"))
        image = self.image if not self.image.isNull() else self.poster
        if not image.isNull():
            size = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
        painter.end()


@dataclass(frozen=True)
class _Loaded:
    """What the page reads from the store for one video."""

    title: str
    path: Path | None
    poster: Path | None
    tracks: list[tuple[str, CueTrack]]
    notes: str
    chapters: list[Chapter]
    position: float
    duration_s: float


class VideoPlayerPage(QWidget):
    back = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.course_id = ""
        self.item_id = ""
        self.duration_s = 0.0
        self.tracks: list[tuple[str, CueTrack]] = []
        self.cues: CueTrack | None = None
        self.chapters: list[Chapter] = []
        self.tracker = WatchTracker()
        self._resume_ms = 0

        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.video = VideoCanvas()
        self.video.setMinimumHeight(200)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video.setAccessibleName("Video")
        self.player.setVideoSink(self.video.sink)

        self.title = QLabel()
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setMinimumHeight(48)
        self.caption.setAccessibleName("Subtitles")
        self.caption.setStyleSheet(
            "background: #111; color: #fff; font-size: 17px; padding: 6px; border-radius: 4px;"
        )
        self.play_button = QPushButton("▶ Play")
        self.play_button.setAccessibleName("Play or pause")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Position")
        self.slider.sliderMoved.connect(self.seek_ms)
        self.time_label = QLabel("0:00 / 0:00")
        self.speed = QComboBox()
        self.speed.setAccessibleName("Playback speed")
        for rate in SPEEDS:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(
            lambda _i: self.player.setPlaybackRate(float(self.speed.currentData()))
        )
        self.subtitle_choice = QComboBox()
        self.subtitle_choice.setAccessibleName("Subtitles language")
        self.subtitle_choice.currentIndexChanged.connect(self._choose_track)
        self.notes = QTextBrowser()
        self.notes.setAccessibleName("Notes")
        self.transcript = TranscriptPanel()
        self.transcript.seek_requested.connect(self.seek_ms)
        self.chapter_list = ChapterList()
        self.chapter_list.seek_requested.connect(self.seek_ms)
        self.side = QTabWidget()
        self.side.setAccessibleName("Transcript, chapters and notes")
        self.side.setMinimumWidth(260)
        self.side.addTab(self.transcript, "Transcript")
        self.side.addTab(self.chapter_list, "Chapters")
        self.side.addTab(self.notes, "Notes")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.back_button = QPushButton("← Back to course")
        self.back_button.clicked.connect(self.back)

        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(QLabel("Speed"))
        controls.addWidget(self.speed)
        controls.addWidget(QLabel("Subtitles"))
        controls.addWidget(self.subtitle_choice)
        player_column = QWidget()
        column = QVBoxLayout(player_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.video, 1)
        column.addWidget(self.caption)
        column.addLayout(controls)
        column.addWidget(self.error)
        # Side by side, so the video keeps its height on a 1366x768 screen; the learner can
        # move the divider.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(player_column)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 360])  # a readable transcript width from the start
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(lambda _e, msg: self.error.setText(f"Cannot play: {msg}"))

    # -- loading -----------------------------------------------------------------------------
    def show_video(
        self,
        course_id: str,
        item_id: str,
        start_s: float | None = None,
        subtitle_language: str | None = None,
    ) -> None:
        """Load a video; it starts at `start_s` if given (a search hit), else where it was left,
        with the subtitles in `subtitle_language` when it has them (the hit's language)."""
        self.leave()
        self.course_id, self.item_id = course_id, item_id
        media_dir = self.ctx.media_dir

        def load(session: Session) -> _Loaded:
            item = get_item(session, course_id, item_id)
            path = stored_file(session, media_dir, item.media_sha256) if item.media_sha256 else None
            media = session.get(Media, item.media_sha256) if item.media_sha256 else None
            poster = (
                stored_file(session, media_dir, media.thumbnail_sha256)
                if media is not None and media.thumbnail_sha256
                else None
            )
            tracks = []
            for sub in item.subtitles:
                text = stored_file(session, media_dir, sub.sha256).read_text("utf-8-sig")
                tracks.append((sub.label, CueTrack(parse_vtt(text, name=sub.label))))
            notes = (
                render_lesson_html(item.body_md, lesson_path=item.source_path)
                if item.body_md
                else ""
            )
            chapters = [Chapter(str(c["title"]), float(c["start_s"])) for c in item.chapters or []]
            position = resume_position(session, self.ctx.user_id, course_id, item_id)
            return _Loaded(
                item.title, path, poster, tracks, notes, chapters, position, item.duration_s or 0.0
            )

        loaded = self.ctx.read(load)
        path, position = loaded.path, loaded.position
        self.tracks, self.chapters, self.duration_s = (
            loaded.tracks,
            loaded.chapters,
            loaded.duration_s,
        )
        self.ctx.record(lambda s: open_item(s, self.ctx.user_id, course_id, item_id))
        self.title.setText(f"<h2>{loaded.title}</h2>")
        self.notes.setHtml(loaded.notes)
        self.chapter_list.set_chapters(self.chapters)
        self.transcript.filter.clear()
        self._show_side_tabs(bool(self.tracks), bool(self.chapters), bool(loaded.notes))
        self.video.poster = QImage(str(loaded.poster)) if loaded.poster else QImage()
        self.error.clear()
        self.caption.clear()
        self.subtitle_choice.blockSignals(True)
        self.subtitle_choice.clear()
        self.subtitle_choice.addItem("Off", -1)
        for index, (label, _track) in enumerate(self.tracks):
            self.subtitle_choice.addItem(label, index)
        self.subtitle_choice.blockSignals(False)
        languages = self.ctx.read(
            lambda s: [t.language for t in get_item(s, course_id, item_id).subtitles]
        )
        wanted = languages.index(subtitle_language) if subtitle_language in languages else 0
        self.subtitle_choice.setCurrentIndex(1 + wanted if self.tracks else 0)
        self._choose_track()
        # Resume where the learner stopped, unless that was (nearly) the end.
        self._resume_ms = int(position * 1000) if 0 < position < max(self.duration_s - 3, 0) else 0
        if start_s is not None:
            self._resume_ms = int(start_s * 1000)
        self.video.clear()
        self.player.setSource(QUrl.fromLocalFile(str(path)) if path else QUrl())
        if path is None or not path.exists():
            self.error.setText("The video file is missing from this computer's store.")

    def _show_side_tabs(self, transcript: bool, chapters: bool, notes: bool) -> None:
        shown = {self.transcript: transcript, self.chapter_list: chapters, self.notes: notes}
        for widget, visible in shown.items():
            self.side.setTabVisible(self.side.indexOf(widget), visible)
        self.side.setVisible(any(shown.values()))
        first = next((w for w, visible in shown.items() if visible), None)
        if first is not None:
            self.side.setCurrentWidget(first)

    def _choose_track(self) -> None:
        index = self.subtitle_choice.currentData()
        chosen = isinstance(index, int) and index >= 0
        self.cues = self.tracks[index][1] if chosen else None
        # With captions off, the transcript still shows the first language.
        transcript = (
            self.cues if self.cues is not None else (self.tracks[0][1] if self.tracks else None)
        )
        self.transcript.set_cues(transcript.cues if transcript else [])
        self._show_caption(self.player.position())
        self.transcript.follow(self.player.position())

    # -- controls ----------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def play(self) -> None:
        self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def seek_ms(self, ms: int) -> None:
        self.tracker.cut()
        self.player.setPosition(ms)

    def set_speed(self, rate: float) -> None:
        self.speed.setCurrentIndex(SPEEDS.index(rate))

    # -- player signals ----------------------------------------------------------------------
    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        if ms > 0:
            self.duration_s = ms / 1000

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._resume_ms:
            self.player.setPosition(self._resume_ms)
            self._resume_ms = 0
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.flush()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self.error.setText("This video cannot be played on this computer.")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("⏸ Pause" if playing else "▶ Play")
        if not playing:
            self.flush()

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time_label.setText(f"{fmt_time(ms)} / {fmt_time(int(self.duration_s * 1000))}")
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self.tracker.tick(ms / 1000, playing, self.player.playbackRate())
        self._show_caption(ms)
        self.transcript.follow(ms)
        self.chapter_list.follow(ms)
        if self.tracker.unsaved_seconds() >= FLUSH_EVERY_S:
            self.flush()

    def _show_caption(self, ms: int) -> None:
        cue = self.cues.at(ms / 1000) if self.cues else None
        self.caption.setText(cue.text if cue else "")

    # -- saving ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Save the stretches watched since the last save as one `progressed` event."""
        if not self.item_id:
            return
        spans = self.tracker.take()
        if not spans:
            return
        position = self.player.position() / 1000
        self.ctx.record(
            lambda s: record_video_progress(
                s,
                self.ctx.user_id,
                self.course_id,
                self.item_id,
                watched=spans,
                position_s=position,
                duration_s=self.duration_s,
            )
        )

    def leave(self) -> None:
        """Stop playback and save what was watched (called when the page is left)."""
        if self.item_id:
            self.player.pause()
            self.tracker.cut()
            self.flush()
        self.player.stop()

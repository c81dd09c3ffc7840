"""A small drawing canvas: a pen, an eraser and clear; the picture is read and written as PNG."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PEN_WIDTH = 3
ERASER_WIDTH = 18
BACKGROUND = QColor("white")
CANVAS_SIZE = (480, 320)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class DrawingCanvas(QWidget):
    """Draws with the mouse (or a stylus) on a white image of a fixed size.

    `stroke_finished` is emitted when a stroke ends or the canvas is cleared, which is when an
    answer is worth saving (not on every mouse move).
    """

    stroke_finished = Signal()

    def __init__(self, size: QSize | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        size = size or QSize(*CANVAS_SIZE)
        self.image = QImage(size, QImage.Format.Format_ARGB32)
        self.image.fill(BACKGROUND)
        self.erasing = False
        self._last: QPoint | None = None
        self.setFixedSize(size)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)

    def is_blank(self) -> bool:
        blank = QImage(self.image.size(), self.image.format())
        blank.fill(BACKGROUND)
        return self.image == blank

    def clear(self) -> None:
        self.image.fill(BACKGROUND)
        self.update()
        self.stroke_finished.emit()

    def draw_line(self, start: QPoint, end: QPoint) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = BACKGROUND if self.erasing else QColor("black")
        width = ERASER_WIDTH if self.erasing else PEN_WIDTH
        painter.setPen(
            QPen(
                colour,
                width,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        if start == end:
            painter.drawPoint(start)  # a click leaves a dot; a zero-length line draws nothing
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update()

    def to_png(self) -> bytes:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide wants a str here
        buffer.close()
        return bytes(data.data())

    def load_png(self, data: bytes) -> bool:
        loaded = QImage()
        if data[:8] != PNG_SIGNATURE or not loaded.loadFromData(data):
            return False
        self.image.fill(BACKGROUND)
        painter = QPainter(self.image)
        painter.drawImage(0, 0, loaded)
        painter.end()
        self.update()
        return True

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = event.position().toPoint()
            self.draw_line(self._last, self._last)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            point = event.position().toPoint()
            self.draw_line(self._last, point)
            self._last = point

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._last is not None and event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self.stroke_finished.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(event.rect(), self.image, event.rect())
        if self.hasFocus():
            painter.setPen(QPen(self.palette().highlight().color(), 2))
            painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()

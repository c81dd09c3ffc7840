"""The pictures of picture passwords, drawn here with QPainter (no artwork is copied or shipped),
and the pad a young learner taps them on.

The names are app.accounts.secrets.PICTURES; only the names are ever stored (hashed).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts.secrets import PICTURE_COUNT, PICTURES

COLOURS = {
    "sun": "#f5b400",
    "moon": "#5c6bc0",
    "star": "#ff8f00",
    "heart": "#e53935",
    "tree": "#2e7d32",
    "fish": "#0288d1",
    "house": "#8d6e63",
    "drop": "#29b6f6",
    "leaf": "#7cb342",
}


def _draw(p: QPainter, name: str, s: float) -> None:
    colour = QColor(COLOURS[name])
    p.setBrush(QBrush(colour))
    p.setPen(QPen(colour.darker(140), s * 0.03))
    c = QPointF(s / 2, s / 2)
    if name == "sun":
        for i in range(8):
            a = i * math.pi / 4
            p.drawLine(
                QPointF(c.x() + math.cos(a) * s * 0.3, c.y() + math.sin(a) * s * 0.3),
                QPointF(c.x() + math.cos(a) * s * 0.45, c.y() + math.sin(a) * s * 0.45),
            )
        p.drawEllipse(c, s * 0.22, s * 0.22)
    elif name == "moon":
        outer = QPainterPath()
        outer.addEllipse(c, s * 0.36, s * 0.36)
        bite = QPainterPath()
        bite.addEllipse(QPointF(c.x() + s * 0.18, c.y() - s * 0.08), s * 0.3, s * 0.3)
        p.drawPath(outer.subtracted(bite))
    elif name == "star":
        points = [
            QPointF(
                c.x()
                + math.cos(-math.pi / 2 + i * math.pi / 5) * s * (0.42 if i % 2 == 0 else 0.17),
                c.y()
                + math.sin(-math.pi / 2 + i * math.pi / 5) * s * (0.42 if i % 2 == 0 else 0.17),
            )
            for i in range(10)
        ]
        p.drawPolygon(QPolygonF(points))
    elif name == "heart":
        path = QPainterPath(QPointF(s * 0.5, s * 0.85))
        path.cubicTo(s * 0.05, s * 0.55, s * 0.1, s * 0.15, s * 0.5, s * 0.32)
        path.cubicTo(s * 0.9, s * 0.15, s * 0.95, s * 0.55, s * 0.5, s * 0.85)
        p.drawPath(path)
    elif name == "tree":
        p.setBrush(QColor("#6d4c41"))
        p.drawRect(QRectF(s * 0.44, s * 0.55, s * 0.12, s * 0.35))
        p.setBrush(colour)
        p.drawEllipse(QPointF(s * 0.5, s * 0.38), s * 0.28, s * 0.28)
    elif name == "fish":
        p.drawPolygon(
            QPolygonF(
                [QPointF(s * 0.62, s * 0.5), QPointF(s * 0.9, s * 0.3), QPointF(s * 0.9, s * 0.7)]
            )
        )
        p.drawEllipse(QPointF(s * 0.42, s * 0.5), s * 0.3, s * 0.18)
        p.setBrush(QColor("white"))
        p.drawEllipse(QPointF(s * 0.28, s * 0.45), s * 0.04, s * 0.04)
    elif name == "house":
        p.drawRect(QRectF(s * 0.22, s * 0.45, s * 0.56, s * 0.42))
        p.setBrush(QColor("#c62828"))
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(s * 0.12, s * 0.47),
                    QPointF(s * 0.5, s * 0.12),
                    QPointF(s * 0.88, s * 0.47),
                ]
            )
        )
        p.setBrush(QColor("#ffe082"))
        p.drawRect(QRectF(s * 0.43, s * 0.62, s * 0.14, s * 0.25))
    elif name == "drop":
        path = QPainterPath(QPointF(s * 0.5, s * 0.1))
        path.cubicTo(s * 0.5, s * 0.1, s * 0.2, s * 0.5, s * 0.25, s * 0.65)
        path.cubicTo(s * 0.3, s * 0.92, s * 0.7, s * 0.92, s * 0.75, s * 0.65)
        path.cubicTo(s * 0.8, s * 0.5, s * 0.5, s * 0.1, s * 0.5, s * 0.1)
        p.drawPath(path)
    elif name == "leaf":
        p.save()
        p.translate(c)
        p.rotate(-35)
        p.drawEllipse(QPointF(0, 0), s * 0.4, s * 0.2)
        p.drawLine(QPointF(-s * 0.4, 0), QPointF(s * 0.4, 0))
        p.restore()


def picture_pixmap(name: str, size: int = 64) -> QPixmap:
    if name not in PICTURES:
        raise ValueError(f"no picture {name!r}")
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _draw(painter, name, float(size))
    painter.end()
    return pixmap


class PicturePad(QWidget):
    """A grid of the pictures; tapping them in order builds the sequence."""

    changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sequence: list[str] = []
        self.buttons: dict[str, QToolButton] = {}
        grid = QGridLayout()
        for index, name in enumerate(PICTURES):
            button = QToolButton()
            button.setIcon(QIcon(picture_pixmap(name, 96)))
            button.setIconSize(QSize(64, 64))
            button.setAccessibleName(name)
            button.setToolTip(name)
            button.clicked.connect(lambda _=False, n=name: self.tap(n))
            self.buttons[name] = button
            grid.addWidget(button, index // 3, index % 3)
        self.chosen_row = QHBoxLayout()
        self.chosen_label = QLabel()
        self.clear_button = QPushButton("Start again")
        self.clear_button.clicked.connect(self.clear)
        chosen = QHBoxLayout()
        chosen.addWidget(self.chosen_label, 1)
        chosen.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(chosen)
        self._show()

    def sequence(self) -> list[str]:
        return list(self._sequence)

    def tap(self, name: str) -> None:
        if len(self._sequence) < PICTURE_COUNT[1]:
            self._sequence.append(name)
            self._show()

    def clear(self) -> None:
        self._sequence.clear()
        self._show()

    def _show(self) -> None:
        # Dots, not the pictures: someone looking over the learner's shoulder sees only how many.
        self.chosen_label.setText(
            " ".join("●" for _ in self._sequence) or "Tap your pictures in order"
        )
        self.changed.emit(self.sequence())

"""Long work off the GUI thread: a QThread that runs one function and reports progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal


class TaskThread(QThread):
    """Runs `fn(report)` in a worker thread. `report(done, total, text)` emits `progress`.

    `finished_ok` carries the function's result; `failed` carries the error message.
    """

    progress = Signal(int, int, str)
    finished_ok = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[Callable[[int, int, str], None]], Any], parent: Any = None):
        super().__init__(parent)
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn(lambda d, t, w: self.progress.emit(d, t, w))
        except Exception as exc:  # shown to the user; the thread must never die silently
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.finished_ok.emit(result)

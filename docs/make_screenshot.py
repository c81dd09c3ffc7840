"""Screenshots of the real app for the README, taken offscreen on a fresh temp store.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshot.py docs/
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")


def main(out_dir: Path) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.courses.importer import import_course
    from app.db.store import Store
    from app.demo import demo_course_dir
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp))
        import_course(store, demo_course_dir())
        window = MainWindow(AppContext(store), start_sync=False)
        window.resize(1100, 720)
        window.show()
        window.profiles.add_profile("Amina")
        window.profiles.open_button.click()
        window.open_course("demo.speed-distance-time")
        window.outline.open_item("lesson-what-is-speed")
        window.lesson.done_button.click()
        window.back_to_outline()
        QTest.qWait(200)
        window.grab().save(str(out_dir / "screenshot-outline.png"))
        window.outline.open_item("lesson-distance-time-graphs")
        window.lesson.browser.verticalScrollBar().setValue(380)
        QTest.qWait(200)
        window.grab().save(str(out_dir / "screenshot-lesson.png"))
        window.outline.open_item("intro-video")
        window.video.play()
        QTest.qWait(6500)
        window.video.pause()
        QTest.qWait(300)
        window.grab().save(str(out_dir / "screenshot-video.png"))
        window.outline.open_item("quiz-check")
        window.quiz.next_button.click()
        QTest.qWait(200)
        window.grab().save(str(out_dir / "screenshot-quiz.png"))
        window.shutdown()
        store.close()
    app.processEvents()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))

"""The lesson reader on a Carpentries episode, offscreen at 1100x720, for docs/.

QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.lessons.make_screenshot [OUT.png]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]
SHELL_NOVICE = REPO.parent / "shared" / "corpus" / "markdown" / "shell-novice"
EPISODE = "02-filedir"
OPEN_SOLUTION = "solution-4"  # its solution, shown opened
SCROLL_TO = "relative-path-resolution"  # a challenge with an SVG figure, solution folded
LEAD_IN = 12  # px above the box, so its border shows


def take(out: Path) -> Path:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.courses.importer import import_course
    from app.db.models import Role
    from app.db.store import Store
    from tests.lessons.conftest import COURSE_ID, open_reader_plain, write_package

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        package = write_package(SHELL_NOVICE, Path(tmp) / "package")
        store = Store.open(Path(tmp) / "store")
        try:
            import_course(store, package)
            reader = open_reader_plain(store, Role.STUDENT)
            reader.show_lesson(COURSE_ID, f"ep-{EPISODE}")
            reader.toggle_fold(OPEN_SOLUTION)
            reader.scroll_to(SCROLL_TO)
            bar = reader.browser.verticalScrollBar()
            bar.setValue(bar.value() - LEAD_IN)
            QTest.qWait(200)
            out.parent.mkdir(parents=True, exist_ok=True)
            reader.grab().save(str(out))
            reader.close()
        finally:
            store.close()
    app.processEvents()
    return out


if __name__ == "__main__":
    take(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshot-carpentries.png")

"""The status bar tells the truth about sync, and the backlog goes up on its own once online."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app import outbox
from app.db.store import Store
from tests.support.server_process import ServerProcess
from ui.context import AppContext
from ui.main_window import MainWindow

COURSE = "demo.speed-distance-time"


@pytest.mark.slow
def test_status_bar_and_automatic_backlog(
    qtbot,
    monkeypatch,
    demo_store: Store,  # type: ignore[no-untyped-def]
    server: ServerProcess,
    school: dict[str, Any],
) -> None:
    monkeypatch.setenv("SLATE_SYNC_INTERVAL_S", "1")
    server.stop()  # the school server is not reachable when the laptop starts
    window = MainWindow(AppContext(demo_store))
    qtbot.addWidget(window)
    window.show()
    window.profiles.add_profile("Neema")
    qtbot.mouseClick(window.profiles.open_button, Qt.MouseButton.LeftButton)
    window.open_course(COURSE)
    window.outline.open_item("lesson-units")
    qtbot.mouseClick(window.lesson.done_button, Qt.MouseButton.LeftButton)
    assert window.sync_label.text().startswith("Not syncing (no server set)")

    # Point the app at the server (what the settings dialog saves), while it is down.
    from app.identity import SERVER_URL, set_meta

    with demo_store.write() as s:
        set_meta(s, SERVER_URL, server.url)
    window.sync_worker.set_enrollment(school["enrollment_code"])
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Offline, "), timeout=15000)
    pending = demo_store_pending(demo_store)
    assert window.sync_label.text() == f"Offline, {pending} pending"

    server.start()
    qtbot.waitUntil(lambda: window.sync_label.text() == "Synced just now", timeout=30000)
    assert server.stats()["events_total"] == demo_store_pending(demo_store, total=True)

    # Server stops; learning goes on; it comes back: the backlog goes up by itself, once.
    server.stop()
    window.outline.open_item("lesson-what-is-speed")
    qtbot.mouseClick(window.lesson.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Offline, "), timeout=15000)
    assert demo_store_pending(demo_store) > 0
    server.start()
    qtbot.waitUntil(lambda: window.sync_label.text() == "Synced just now", timeout=30000)
    assert demo_store_pending(demo_store) == 0
    assert server.stats()["events_total"] == demo_store_pending(demo_store, total=True)
    window.shutdown()


def demo_store_pending(store: Store, *, total: bool = False) -> int:
    with store.read() as s:
        counts = outbox.counts(s)
    return counts.local_total if total else counts.pending


def test_settings_dialog_saves_the_server(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    from app.identity import SERVER_URL, get_meta
    from ui.settings_dialog import SettingsDialog

    ctx = AppContext(store)
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.server_edit.setText(" school-hub.local:8765/ ")
    dialog.code_edit.setText(" ABCDE-FGHJK ")
    assert dialog.apply() == "ABCDE-FGHJK"
    with store.read() as s:
        assert get_meta(s, SERVER_URL) == "http://school-hub.local:8765"

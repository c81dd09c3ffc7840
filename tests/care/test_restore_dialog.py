"""The daily backup at start (off the GUI thread) and the restore dialog, on real widgets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt

from app.backup import list_backups, take_backup
from app.config import load_config
from app.db.store import Store
from app.profiles import list_profiles
from tests.care.helpers import add_learner_with_answers
from ui.context import AppContext
from ui.launch import open_main_window
from ui.restore_dialog import RestoreDialog
from ui.workers import TaskThread


def test_the_window_takes_the_daily_backup_in_a_worker_thread(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    add_learner_with_answers(store, "Amina", ["4 km"])
    window = open_main_window(AppContext(store), load_config([], {}))
    qtbot.addWidget(window)
    task = window.findChild(TaskThread, "daily_backup")
    assert task is not None
    assert list_backups(store.data_dir) == []  # not while the window comes up
    with qtbot.waitSignal(task.finished_ok, timeout=60000) as done:
        pass
    [daily] = list_backups(store.data_dir)
    assert done.args[0].verdict == "ok" and done.args[0].backup.path == daily.path
    assert daily.kind == "daily"
    window.shutdown()


def test_the_restore_dialog_puts_the_chosen_backup_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, "Amina", [])
    take_backup(data_dir, "manual")
    add_learner_with_answers(store, "Baraka", [])

    dialog = RestoreDialog(data_dir, store.close)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.list.count() == 1 and "backup made by IT" in dialog.list.item(0).text()
    with qtbot.waitSignal(dialog.restored, timeout=60000) as restored:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert restored.args[0] is not None
    assert "Restored" in dialog.message.text()

    reopened = Store.open(data_dir)
    try:
        with reopened.read() as session:
            assert [p.display_name for p in list_profiles(session)] == ["Amina"]
    finally:
        reopened.close()


def test_the_file_menu_opens_the_restore_dialog(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow

    take_backup(store.data_dir, "manual")
    window = MainWindow(AppContext(store), start_sync=False)
    qtbot.addWidget(window)
    window.show()
    window.restore_action.trigger()
    dialog = window.findChild(RestoreDialog)
    assert dialog is not None and dialog.isVisible() and dialog.list.count() == 1
    dialog.reject()
    # Cancelled before a restore: the window and its store stay open.
    assert window.isVisible()
    with store.read() as session:
        assert list_profiles(session) == []
    window.shutdown()


def test_the_restore_dialog_says_when_there_is_nothing_to_restore(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = RestoreDialog(store.data_dir, store.close)
    qtbot.addWidget(dialog)
    assert not dialog.restore_button.isEnabled()
    assert dialog.message.text() == "There are no backups yet."


def test_a_store_damaged_at_start_is_not_backed_up_and_a_restore_is_offered(
    qtbot, store: Store
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from tests.care.helpers import scribble_over_pages

    add_learner_with_answers(store, "Amina", ["4 km"] * 40)
    take_backup(store.data_dir, "manual")
    window = open_main_window(AppContext(store), load_config([], {}))
    qtbot.addWidget(window)
    window.sync_worker.stop()  # this test is about the check at start, not about sync
    # Everything into the main file (not the write-ahead log), then damage it.
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    conn.close()
    scribble_over_pages(store.db_path, first=3)
    task = window.findChild(TaskThread, "daily_backup")
    with qtbot.waitSignal(task.finished_ok, timeout=60000) as done:
        pass
    assert done.args[0].damaged and done.args[0].backup is None
    assert [b.kind for b in list_backups(store.data_dir)] == ["manual"]
    box = window.findChild(QMessageBox, "store_damaged")
    assert box is not None and box.isVisible()
    assert "Restore the newest good backup" in box.text()
    box.close()


def test_a_store_too_damaged_to_open_offers_the_restore_dialog_at_start(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import pytest
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.db.store import StoreError
    from tests.care.helpers import scribble_over_pages
    from ui.restore_dialog import offer_restore_at_start

    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, "Amina", ["4 km"])
    take_backup(data_dir, "manual")
    store.close()
    scribble_over_pages(data_dir / "slate.db", first=2)
    with pytest.raises(StoreError):
        Store.open(data_dir)
    seen: list[str] = []

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RestoreDialog):
            if dialog is not None:
                dialog.close()
            return
        seen.append(dialog.message.text())
        dialog.restored.connect(lambda _result: QTimer.singleShot(0, dialog.accept))
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, drive)
    assert offer_restore_at_start(str(data_dir), "the data is damaged") is True
    assert seen == ["Slate cannot open its data: the data is damaged"]
    reopened = Store.open(data_dir)
    try:
        with reopened.read() as session:
            assert [p.display_name for p in list_profiles(session)] == ["Amina"]
    finally:
        reopened.close()

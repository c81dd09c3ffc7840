"""The import dialog, driven through the real widgets offscreen on a real store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.db.store import Store
from tests.banks.conftest import count_rows
from ui.bank_import_dialog import BankImportDialog
from ui.context import AppContext


def cell(dialog: BankImportDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    assert item is not None
    return item.text()


def open_dialog(qtbot: QtBot, store: Store) -> BankImportDialog:
    dialog = BankImportDialog(AppContext(store))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_preview_then_import(qtbot: QtBot, store: Store, corpus: Path) -> None:
    dialog = open_dialog(qtbot, store)
    assert not dialog.import_button.isEnabled()
    path = corpus / "gift" / "g20_qas_moodle_export_tags_ids.gift"
    with qtbot.waitSignal(dialog.load(path).finished_ok, timeout=30000):
        pass
    assert dialog.table.rowCount() == 22
    assert cell(dialog, 0, 0) == "Description"
    assert cell(dialog, 1, 1) == "Essay 1"
    # Prompts are shown as text, HTML tags removed.
    assert cell(dialog, 1, 2).startswith("This is an example of an essay question.")
    assert dialog.warnings.count() == 3
    assert dialog.warnings.item(0).text().startswith("line 27:")
    assert "22 questions" in dialog.summary.text()
    assert count_rows(store.data_dir)["bank_questions"] == 0  # nothing stored before OK

    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=30000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert imported.args == [1]
    assert dialog.result() == BankImportDialog.DialogCode.Accepted
    assert count_rows(store.data_dir)["bank_questions"] == 22


def test_refused_file_shows_the_reason_and_cannot_be_imported(
    qtbot: QtBot,
    store: Store,
    corpus: Path,
) -> None:
    dialog = open_dialog(qtbot, store)
    path = corpus / "gift" / "g19_not_gift_lisp_testfile.gift"
    with qtbot.waitSignal(dialog.load(path).failed, timeout=30000):
        pass
    assert "no answer blocks" in dialog.error.text()
    assert path.name in dialog.error.text()
    assert dialog.table.rowCount() == 0
    assert not dialog.import_button.isEnabled()
    dialog.reject()
    assert count_rows(store.data_dir)["question_banks"] == 0


def test_menu_action_opens_the_dialog(qtbot: QtBot, store: Store) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(store), start_sync=False)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0]
    assert file_menu.text() == "&File"
    menu = file_menu.menu()
    assert isinstance(menu, QMenu)
    assert window.bank_action in menu.actions()
    window.bank_action.trigger()
    dialogs = window.findChildren(BankImportDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].reject()
    window.shutdown()


def test_a_file_whose_questions_were_all_skipped_cannot_be_imported(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "no-blank-lines.gift"
    path.write_text("::Q1::What?{=a ~b}\n::Q2::Who?{=c ~d}\n", encoding="utf-8")
    dialog = open_dialog(qtbot, store)
    with qtbot.waitSignal(dialog.load(path).finished_ok, timeout=30000):
        pass
    assert dialog.summary.text() == "This file cannot be imported."
    assert dialog.error.text().startswith("no-blank-lines.gift: nothing to import")
    assert dialog.warnings.count() == 1
    assert dialog.warnings.item(0).text().startswith("line 2: question skipped")
    assert not dialog.import_button.isEnabled()
    dialog.accept()  # Enter on a disabled OK: still nothing
    dialog.reject()
    assert count_rows(store.data_dir)["question_banks"] == 0


def test_importing_the_same_file_again_names_the_stored_bank(
    qtbot: QtBot, store: Store, corpus: Path
) -> None:
    path = corpus / "gift" / "g15_moodle_examples_php.gift"
    first = open_dialog(qtbot, store)
    with qtbot.waitSignal(first.load(path).finished_ok, timeout=30000):
        pass
    with qtbot.waitSignal(first.imported, timeout=30000):
        qtbot.mouseClick(first.import_button, Qt.MouseButton.LeftButton)
    before = count_rows(store.data_dir)
    assert before["question_banks"] == 1

    second = open_dialog(qtbot, store)
    emitted: list[int] = []
    second.imported.connect(emitted.append)
    with qtbot.waitSignal(second.load(path).finished_ok, timeout=30000):
        pass
    assert second.import_button.isEnabled()
    second.accept()
    second.wait_for_tasks()
    qtbot.waitUntil(lambda: second.summary.text().startswith("Already stored"), timeout=30000)
    assert "g15_moodle_examples_php.gift is bank 1" in second.summary.text()
    assert "nothing imported" in second.summary.text()
    assert second.bank_id == 1
    assert emitted == []
    assert second.isVisible() and not second.import_button.isEnabled()
    assert count_rows(store.data_dir) == before
    second.reject()

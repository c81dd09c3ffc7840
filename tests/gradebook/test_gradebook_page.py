"""The gradebook page with real widgets offscreen over a real store."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt

from app.profiles import get_profile
from tests.analytics.conftest import ClassFixture
from ui.context import AppContext
from ui.gradebook.model import STATUS_COLOURS, GradeStatus
from ui.gradebook.page import GradebookPage
from ui.main_window import MainWindow


def open_page(qtbot, fixture: ClassFixture, who: str) -> GradebookPage:  # type: ignore[no-untyped-def]
    ctx = AppContext(fixture.store)
    ctx.set_profile(fixture.store_read(get_profile, fixture.people[who]))
    page = GradebookPage(ctx)
    qtbot.addWidget(page)
    return page


def visible_names(page: GradebookPage) -> list[str]:
    return [page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())]


def column_of(page: GradebookPage, title: str) -> int:
    for column in range(page.model.columnCount()):
        if page.model.headerData(column, Qt.Orientation.Horizontal) == title:
            return column
    raise AssertionError(f"no column {title!r}")


def test_teacher_sorts_filters_and_sees_pass_fail_colours(qtbot, graded_class: ClassFixture):
    page = open_page(qtbot, graded_class, "Tess")
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    assert visible_names(page) == ["Amina", "Ben", "Chen", "Dara"]
    best = column_of(page, "Quiz best")
    amina = page.proxy.index(0, best)
    assert amina.data() == "100%"
    assert amina.data(Qt.ItemDataRole.BackgroundRole).color() == STATUS_COLOURS[GradeStatus.PASSED]
    ben = page.proxy.index(1, best)
    assert ben.data() == "25%"
    assert ben.data(Qt.ItemDataRole.BackgroundRole).color() == STATUS_COLOURS[GradeStatus.FAILED]
    assert page.proxy.index(2, best).data() == "in progress"

    # Sorting by a quiz orders by score; no score sorts below every score.
    page.table.sortByColumn(best, Qt.SortOrder.DescendingOrder)
    assert visible_names(page) == ["Amina", "Ben", "Chen", "Dara"]
    page.table.sortByColumn(best, Qt.SortOrder.AscendingOrder)
    assert visible_names(page) == ["Dara", "Chen", "Ben", "Amina"]

    page.status_filter.setCurrentText("Failing something")
    assert sorted(visible_names(page)) == ["Amina", "Ben"]
    page.status_filter.setCurrentText("Something to grade")
    assert visible_names(page) == ["Chen"]
    page.status_filter.setCurrentText("All students")
    page.name_filter.setText("DA")
    assert visible_names(page) == ["Dara"]


def test_choosing_a_student_opens_their_attempts_and_answers(qtbot, graded_class: ClassFixture):
    page = open_page(qtbot, graded_class, "Tess")
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    page.table.selectRow(0)
    tree = page.record.tree
    assert "Amina" in page.record.heading.text()
    assert tree.topLevelItemCount() == 4
    first = tree.topLevelItem(0)
    assert (first.text(0), first.text(1), first.text(2)) == ("Quiz best", "passed", "50%")
    assert [first.child(i).text(1) for i in range(first.childCount())] == [
        "Option B",
        "Option B",
        "Option A",
        "Option A",
    ]


def test_export_from_the_page_writes_a_csv(qtbot, graded_class: ClassFixture, tmp_path: Path):
    page = open_page(qtbot, graded_class, "Tess")
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    out = tmp_path / "moodle.csv"
    with qtbot.waitSignal(page.exported, timeout=20000):
        page.export_to(out, "moodle")
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][2] == "ID number" and len(rows) == 5
    assert str(out) in page.message.text()


def test_a_student_on_the_page_is_refused_the_grades(qtbot, graded_class: ClassFixture):
    page = open_page(qtbot, graded_class, "Ben")
    with qtbot.waitSignal(page.failed, timeout=20000) as signal:
        page.refresh()
    assert "Ben may not see the class results" in signal.args[0]
    assert page.model.rowCount() == 0


def test_the_main_window_opens_the_gradebook_from_the_go_menu(qtbot, graded_class: ClassFixture):
    ctx = AppContext(graded_class.store)
    window = MainWindow(ctx, start_sync=False)
    qtbot.addWidget(window)
    ctx.set_profile(graded_class.store_read(get_profile, graded_class.people["Tess"]))
    with qtbot.waitSignal(window.gradebook_page.loaded, timeout=20000):
        window.gradebook_action.trigger()
    assert window.stack.currentWidget() is window.gradebook_page
    assert window.gradebook_page.model.rowCount() == 4
    window.shutdown()

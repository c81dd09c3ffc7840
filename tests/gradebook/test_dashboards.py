"""The class overview, item analysis and report tabs, with real widgets offscreen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPdf import QPdfDocument

from tests.analytics.conftest import ClassFixture
from tests.gradebook.test_gradebook_page import open_page, visible_names
from ui.gradebook.page import GradebookPage


def loaded_page(qtbot, graded_class: ClassFixture) -> GradebookPage:  # type: ignore[no-untyped-def]
    page = open_page(qtbot, graded_class, "Tess")
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    return page


def test_overview_plots_show_the_class_figures(qtbot, graded_class: ClassFixture):
    page = loaded_page(qtbot, graded_class)
    page.tabs.setCurrentWidget(page.overview)
    xs, ys = page.overview.completion.curve.getData()
    assert len(xs) == 1 and ys[0] == 25.0  # 5 of 4 students x 5 items completed today
    assert page.overview.quiz_box.currentText() == "Quiz best"
    heights = list(page.overview.scores.bars.opts["height"])
    assert heights == [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert page.overview.scores.pass_line.value() == 50.0
    page.overview.quiz_box.setCurrentText("Quiz avg")
    assert sum(page.overview.scores.bars.opts["height"]) == 1
    ticks = page.overview.times.getAxis("bottom")._tickLevels[0]
    assert [name for _x, name in ticks] == ["Amina", "Ben", "Chen", "Dara"]


def test_an_insight_opens_its_students_in_the_gradebook(qtbot, graded_class: ClassFixture):
    page = loaded_page(qtbot, graded_class)
    page.tabs.setCurrentWidget(page.overview)
    insights = page.overview.insights
    texts = [insights.item(i).text() for i in range(insights.count())]
    # Dara has done nothing at all: low engagement names her.
    low = next(i for i, t in enumerate(texts) if "did little or nothing" in t)
    assert "Dara" in texts[low]
    insights.itemClicked.emit(insights.item(low))
    assert page.tabs.currentIndex() == 0
    assert "Dara" in visible_names(page)
    assert "Amina" not in visible_names(page)
    page.status_filter.setCurrentText("Failing something")
    page.status_filter.setCurrentText("All students")
    assert len(visible_names(page)) == 4


def test_item_analysis_tab_lists_each_question(qtbot, graded_class: ClassFixture):
    page = loaded_page(qtbot, graded_class)
    page.quiz_box.setCurrentText("Quiz best")
    table = page.items.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["q1", "q2", "q3", "q4"]
    assert "b*: " in table.item(0, 4).text()  # the key is starred with its count
    assert "2 learners" in page.items.summary.text()


def test_the_report_is_a_pdf_with_pages_and_the_class_in_it(
    qtbot, graded_class: ClassFixture, tmp_path: Path
):
    page = loaded_page(qtbot, graded_class)
    out = page.save_pdf(tmp_path / "report.pdf")
    assert out is not None and out.read_bytes().startswith(b"%PDF")
    document = QPdfDocument()
    assert document.load(str(out)) == QPdfDocument.Error.None_
    assert document.pageCount() >= 1
    text = " ".join(document.getAllText(p).text() for p in range(document.pageCount()))
    for expected in ("Analytics test course", "Amina", "Dara", "Insights", "Quiz best"):
        assert expected in text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]

"""The Carpentries' shell-novice episodes, imported as a course and read in the real reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QImageReader, QTextDocument, QTextFrame, QTextTable

from app.db.models import Role
from app.db.store import Store
from app.lessons.boxes import BOX_KINDS
from tests.lessons.conftest import COURSE_ID, item_id, open_reader
from tests.lessons.helpers import images_in
from tests.lessons.prose import missing_words
from ui.pages.lesson import LessonReader

CORPUS_EPISODES = (
    Path(__file__).resolve().parents[3] / "shared/corpus/markdown/shell-novice/episodes"
)
EPISODES = sorted(p.name for p in CORPUS_EPISODES.glob("*.md")) or ["corpus-absent.md"]
# Left in the text would mean the Markdown leaked through unrendered.
MARKUP = (":::", "{alt=", "](", "```", "<kbd>", "[^")


def episode(name: str) -> Path:
    path = CORPUS_EPISODES / name
    if not path.exists():
        pytest.skip(f"{path} is not there (the shared corpus lives beside the repo)")
    return path


def show(reader: LessonReader, name: str, *, expand_all: bool = False) -> str:
    reader.show_lesson(COURSE_ID, item_id(Path(name)))
    if expand_all:
        for fold_id in reader.rendered.fold_ids:
            reader.toggle_fold(fold_id)
    return reader.browser.toPlainText()


def box_tables(document: QTextDocument) -> list[QTextTable]:
    """Every table in the document whose first cell is a box header (nested ones too)."""
    headers = {kind.header.lower() for kind in BOX_KINDS.values()}
    found: list[QTextTable] = []

    def visit(frame: QTextFrame) -> None:
        for child in frame.childFrames():
            if isinstance(child, QTextTable):
                colour = child.cellAt(0, 0).format().background().color().name()
                if colour in headers:
                    found.append(child)
            visit(child)

    visit(document.rootFrame())
    return found


@pytest.mark.parametrize("name", EPISODES)
@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER])
def test_every_episode_renders_with_no_text_lost(
    qtbot, carpentries_store: Store, name: str, role: Role
) -> None:  # type: ignore[no-untyped-def]
    source = episode(name).read_text(encoding="utf-8")
    reader = open_reader(qtbot, carpentries_store, role)
    text = show(reader, name, expand_all=True)
    for_teacher = role is Role.TEACHER
    assert missing_words(source, text, for_teacher=for_teacher) == {}, name
    assert [m for m in MARKUP if m in text] == []
    assert "title:" not in text and "teaching: " not in text  # front matter is not text


def test_the_word_check_catches_lost_text(qtbot, carpentries_store: Store) -> None:  # type: ignore[no-untyped-def]
    name = "02-filedir.md"
    source = episode(name).read_text(encoding="utf-8")
    reader = open_reader(qtbot, carpentries_store)
    folded = show(reader, name)  # solutions shut: their words are not on screen
    assert missing_words(source, folded, for_teacher=False)["ong"] == 0  # '**l**ong' is one word
    missing = missing_words(source, folded, for_teacher=False)
    assert missing["listing"] >= 1 and missing["readable"] >= 1
    everything = show(reader, name, expand_all=True)
    one_paragraph_less = everything.replace("Nelle is the user in our", "", 1)
    assert missing_words(source, one_paragraph_less, for_teacher=False) != {}
    with_instructor_note = missing_words(source, everything, for_teacher=True)
    assert with_instructor_note["explorer"] >= 1  # students do not get the instructor note


def test_fenced_containers_become_boxes(qtbot, carpentries_store: Store) -> None:  # type: ignore[no-untyped-def]
    name = "02-filedir.md"
    source = episode(name).read_text(encoding="utf-8")
    opened = re.findall(r"^\s*:{3,}\s*([a-z]+)\s*$", source, re.MULTILINE)
    reader = open_reader(qtbot, carpentries_store)
    show(reader, name, expand_all=True)
    html = reader.rendered.html(reader.rendered.fold_ids)
    for kind in ("objectives", "questions", "callout", "challenge", "solution", "keypoints"):
        assert html.count(f'class="box {kind}') == opened.count(kind) > 0, kind
    shown = [k for k in opened if k != "instructor"]
    assert len(box_tables(reader.browser.document())) == len(shown)
    text = reader.browser.toPlainText()
    assert "Challenge: Exploring More ls Options" in text
    assert "Note: Home Directory Variation" in text
    assert "Objectives" in text and "Key points" in text


def test_solutions_are_folded_until_expanded(qtbot, carpentries_store: Store) -> None:  # type: ignore[no-untyped-def]
    reader = open_reader(qtbot, carpentries_store)
    text = show(reader, "02-filedir.md")
    source = episode("02-filedir.md").read_text(encoding="utf-8")
    solutions = len(re.findall(r"^\s*:{3,}\s*solution\s*$", source, re.MULTILINE))
    assert text.count("Show solution") == solutions == 5
    assert "long listing format" not in text

    # A real mouse click on the first "Show solution" link.
    browser = reader.browser
    assert browser.find("Show solution")
    browser.ensureCursorVisible()
    cursor = browser.textCursor()
    cursor.setPosition(cursor.selectionStart() + 2)
    where = browser.cursorRect(cursor).center()
    scroll = browser.verticalScrollBar().value()
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=where)
    text = browser.toPlainText()
    assert "long listing format" in text
    assert text.count("Show solution") == solutions - 1 and "Hide solution" in text
    assert browser.verticalScrollBar().value() == scroll  # the reader stays where it was

    reader.toggle_fold(reader.rendered.fold_ids[1])  # the same box, closed again
    assert "long listing format" not in browser.toPlainText()


def test_instructor_notes_are_for_teachers_only(qtbot, carpentries_store: Store) -> None:  # type: ignore[no-untyped-def]
    note = "GUI file explorer"
    student = show(open_reader(qtbot, carpentries_store, Role.STUDENT), "02-filedir.md")
    assert note not in student and "Instructor note" not in student
    teacher = show(open_reader(qtbot, carpentries_store, Role.TEACHER), "02-filedir.md")
    assert note in teacher and "Instructor note" in teacher


@pytest.mark.parametrize(
    ("name", "figures"),
    [
        (
            "02-filedir.md",
            [
                "filesystem.svg",
                "home-directories.svg",
                "filesystem-challenge.svg",
                "filesystem-challenge.svg",
                "shell_command_syntax.svg",
            ],
        ),
        ("03-create.md", ["nano-screenshot.png"]),
        ("05-loop.md", ["shell_script_for_loop_flow_chart.svg"]),
    ],
)
def test_figures_are_resolved_and_loaded(
    qtbot, carpentries_store: Store, name: str, figures: list[str]
) -> None:  # type: ignore[no-untyped-def]
    reader = open_reader(qtbot, carpentries_store, Role.TEACHER)  # every solution's figure too
    text = show(reader, name, expand_all=True)
    assert "[Missing image" not in text
    images = images_in(reader.browser.document())
    assert len(images) == len(figures)
    document = reader.browser.document()
    for url, figure in zip(images, figures, strict=True):
        stored = Path(QUrl(url).toLocalFile())
        assert stored.is_relative_to(carpentries_store.media_dir)  # from the store, not the corpus
        assert stored.suffix == Path(figure).suffix
        loaded = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(url))
        assert isinstance(loaded, QImage) and not loaded.isNull(), figure
        natural = QImageReader(str(CORPUS_EPISODES / "fig" / figure)).size()
        assert (loaded.width(), loaded.height()) == (natural.width(), natural.height()), figure
    # Every figure lies inside the page: QTextBrowser scales wide ones down to fit.
    assert reader.browser.horizontalScrollBar().maximum() == 0


def test_links_between_episodes_navigate_inside_slate(qtbot, carpentries_store: Store) -> None:  # type: ignore[no-untyped-def]
    reader = open_reader(qtbot, carpentries_store)
    show(reader, "07-find.md")
    browser = reader.browser
    with qtbot.waitSignal(reader.navigate) as blocker:
        browser.anchorClicked.emit(QUrl("03-create.md"))  # as written in the episode
    assert blocker.args == [COURSE_ID, "ep-03-create"]
    # As a lesson web site writes them: the built page, or a path through the folder.
    for href in ("02-filedir.html", "../episodes/02-filedir.md"):
        with qtbot.waitSignal(reader.navigate) as blocker:
            browser.anchorClicked.emit(QUrl(href))
        assert blocker.args == [COURSE_ID, "ep-02-filedir"]
    browser.anchorClicked.emit(QUrl("../learners/setup.md"))
    assert "not part of this course" in reader.link_note.text()


def anchor_top(reader: LessonReader, anchor: str) -> float:
    document = reader.browser.document()
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            if anchor in fragments.fragment().charFormat().anchorNames():
                return document.documentLayout().blockBoundingRect(block).top()
            fragments += 1
        block = block.next()
    raise AssertionError(f"no anchor {anchor!r}")


def test_links_to_anchors_scroll_there(qtbot, carpentries_store: Store) -> None:  # type: ignore[no-untyped-def]
    reader = open_reader(qtbot, carpentries_store)
    show(reader, "02-filedir.md")
    bar = reader.browser.verticalScrollBar()
    assert bar.value() == 0
    # The callout's "See [Exploring Other Directories](#exploring-other-directories)".
    reader.browser.anchorClicked.emit(QUrl("#exploring-other-directories"))
    top = anchor_top(reader, "exploring-other-directories")
    assert top > 1000 and bar.value() == pytest.approx(min(top, bar.maximum()), abs=30)

    # From another episode: navigate, then the reader opens the lesson at the anchor.
    show(reader, "07-find.md")
    with qtbot.waitSignal(reader.navigate):
        reader.browser.anchorClicked.emit(QUrl("02-filedir.md#general-syntax-of-a-shell-command"))
    reader.show_lesson(COURSE_ID, "ep-02-filedir")  # what the main window does on navigate
    top = anchor_top(reader, "general-syntax-of-a-shell-command")
    assert top > 1000 and bar.value() == pytest.approx(min(top, bar.maximum()), abs=30)


def test_the_docs_screenshot_can_be_taken(qapp, corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.lessons.make_screenshot import take

    image = QImage(str(take(tmp_path / "shot.png")))
    assert (image.width(), image.height()) == (1100, 720)
    colours = {image.pixel(x, y) for x in range(0, 1100, 7) for y in range(0, 720, 7)}
    assert len(colours) > 20  # boxes, text and the figure, not an empty window

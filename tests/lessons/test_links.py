"""Where a link in a lesson leads, as lesson authors and lesson web sites write links."""

from __future__ import annotations

from app.lessons import LessonLink, local_references, resolve_lesson_link

LESSONS = {
    "episodes/01-intro.md": "intro",
    "episodes/02-filedir.md": "filedir",
    "extras/guide.md": "guide",
    "lessons/index.md": "index-a",
    "more/index.md": "index-b",
}
HERE = "episodes/01-intro.md"


def test_links_to_lesson_files() -> None:
    assert resolve_lesson_link("02-filedir.md", HERE, LESSONS) == LessonLink("filedir", "")
    assert resolve_lesson_link("02-filedir.md#listing", HERE, LESSONS) == LessonLink(
        "filedir", "listing"
    )
    assert resolve_lesson_link("../extras/guide.md", HERE, LESSONS) == LessonLink("guide", "")


def test_links_written_for_a_lesson_web_site() -> None:
    for href in (
        "02-filedir.html",
        "02-filedir.html#anchor",
        "../episodes/02-filedir.md",
        "02-filedir/",
        "02-filedir/index.html",
        "../02-filedir.html",  # the built site is flat: matched by the file's name
    ):
        link = resolve_lesson_link(href, HERE, LESSONS)
        assert link is not None and link.item_id == "filedir", href
    assert resolve_lesson_link("02-filedir.html#anchor", HERE, LESSONS) == LessonLink(
        "filedir", "anchor"
    )


def test_links_within_the_same_lesson() -> None:
    assert resolve_lesson_link("#section-2", HERE, LESSONS) == LessonLink(None, "section-2")
    assert resolve_lesson_link("01-intro.md#x", HERE, LESSONS) == LessonLink(None, "x")
    assert resolve_lesson_link("01-intro.html", HERE, LESSONS) == LessonLink(None, "")


def test_links_that_lead_nowhere_in_the_course() -> None:
    assert resolve_lesson_link("../learners/setup.md", HERE, LESSONS) is None
    assert resolve_lesson_link("https://example.org/02-filedir.html", HERE, LESSONS) is None
    assert resolve_lesson_link("fig/picture.png", HERE, LESSONS) is None
    assert resolve_lesson_link("index.html", HERE, LESSONS) is None  # two lessons are "index"


def test_local_references_for_the_importer() -> None:
    images, links = local_references(
        "![a](fig/a.svg){alt='x'} ![r](https://x.org/r.png)\n\n"
        "[next](02-filedir.md#top) [web](https://x.org) [here](#x) [up](../other/b.md)",
        "episodes/01-intro.md",
    )
    assert images == {"episodes/fig/a.svg"}
    assert links == {"episodes/02-filedir.md", "other/b.md"}

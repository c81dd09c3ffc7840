"""The lesson renderer on small lessons: safety, math, code, folds and the Markdown extensions."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextBlockFormat, QTextDocument

from app.lessons import render_lesson, render_lesson_html
from tests.conftest import REPO
from tests.lessons.helpers import images_in
from ui.pages.lesson import LESSON_CSS, LessonBrowser


def shown(qtbot, html: str) -> LessonBrowser:  # type: ignore[no-untyped-def]
    browser = LessonBrowser()
    qtbot.addWidget(browser)
    browser.document().setDefaultStyleSheet(LESSON_CSS)
    browser.resize(900, 600)
    browser.setHtml(html)
    browser.document().size()  # lay it all out, loading every picture
    return browser


# --- raw HTML and remote content ---------------------------------------------------------

HOSTILE = """\
Text with <b>bold tags</b> and <script>alert("x")</script> inline.

<img src="http://127.0.0.1:9/pixel.png" onerror="alert(1)">

<iframe src="https://example.org"></iframe>

[click](javascript:alert(1)) and <a href="javascript:alert(2)">there</a>.

Keys <kbd>Ctrl</kbd>+<kbd>C</kbd>, but <kbd><b>x</b></kbd> stays text.
"""


def test_raw_html_is_shown_as_text_never_executed(qtbot) -> None:  # type: ignore[no-untyped-def]
    html = render_lesson_html(HOSTILE)
    assert "<script" not in html and "<iframe" not in html and "<b>" not in html
    assert 'href="javascript' not in html and "<a " not in html
    text = shown(qtbot, html).toPlainText()
    assert "<b>bold tags</b>" in text
    assert '<script>alert("x")</script>' in text
    assert '<img src="http://127.0.0.1:9/pixel.png" onerror="alert(1)">' in text
    assert '<iframe src="https://example.org"></iframe>' in text
    assert "<kbd><b>x</b></kbd>" in text  # only plain text inside <kbd> is read as a key
    assert "Ctrl" in text and "<kbd>Ctrl</kbd>" not in text
    assert "[click](javascript:alert(1))" in text  # not a link: markdown-it refuses the target


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        CountingHandler.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[str]:
    CountingHandler.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_remote_images_are_never_fetched(qtbot, loopback_server: str) -> None:  # type: ignore[no-untyped-def]
    lesson = (
        f"![A chart]({loopback_server}/chart.png)\n\n"
        f"![]({loopback_server}/bare.svg)\n\n"
        f"[a page]({loopback_server}/page.html)\n"
    )
    asked: list[str] = []
    html = render_lesson_html(lesson, resolve_image=lambda p: asked.append(p) or None)
    browser = shown(qtbot, html)
    qtbot.wait(200)
    assert asked == []  # remote images are not even looked up
    assert images_in(browser.document()) == []
    text = browser.toPlainText()
    assert "[Image not loaded: A chart — Slate never fetches remote images]" in text
    assert text.count("Slate never fetches remote images") == 2
    # The browser refuses remote resources itself, too.
    image = QTextDocument.ResourceType.ImageResource
    assert browser.loadResource(image, QUrl(f"{loopback_server}/direct.png")) is None
    qtbot.wait(100)
    assert CountingHandler.requests == []


def test_missing_local_image_says_so() -> None:
    html = render_lesson_html("![Graph](fig/none.png)", resolve_image=lambda _p: None)
    assert "[Missing image: Graph]" in html and "<img" not in html


# --- math ----------------------------------------------------------------------------------

MATH = r"""Speed is $v = \frac{d}{t}$, so $d = v \times t$.

$$x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}$$

Broken: $\frac{a$ and matrices: $\begin{pmatrix}1 & 0\\ 0 & 1\end{pmatrix}$.

Prices stay prose: it costs $5 and $10 today.
"""


def test_math_is_rendered_to_cached_svg_images(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache" / "math"
    html = render_lesson_html(MATH, math_cache=cache)
    files = sorted(cache.glob("*.svg"))
    assert len(files) == 4  # two inline, one display, the matrix; the broken one falls back
    assert all(len(f.stem) == 64 for f in files)  # named by a sha256 of what shapes them
    browser = shown(qtbot, html)
    names = images_in(browser.document())
    assert len(names) == 4 and all(n.startswith(cache.as_uri()) for n in names)
    for name in names:
        image = browser.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        assert isinstance(image, QImage) and image.width() > 5 and image.height() > 5
    text = browser.toPlainText()
    assert "$" not in text.replace("$5 and $10", "")
    assert "it costs $5 and $10 today" in text
    # The formula that cannot be drawn reads as text, its TeX in the tooltip.
    assert r'title="\frac{a"' in html

    # Rendered again: the cached files are reused, not rewritten.
    stamps = {f: f.stat().st_mtime_ns for f in files}
    assert render_lesson_html(MATH, math_cache=cache) == html
    assert {f: f.stat().st_mtime_ns for f in sorted(cache.glob("*.svg"))} == stamps


def test_math_without_a_cache_folder_is_unicode_text(tmp_path: Path) -> None:
    html = render_lesson_html(r"Area $A = \pi r^2$.")
    assert "<img" not in html and "π" in html and 'title="A = \\pi r^2"' in html


def test_heavy_libraries_load_only_when_a_lesson_needs_them() -> None:
    probe = (
        "import sys\n"
        "import app.lessons as lessons\n"
        "heavy = ('ziamath', 'pygments', 'yaml')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "lessons.render_lesson_html('# Plain\\n\\nJust *text*.')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "lessons.render_lesson_html('---\\ntitle: T\\n---\\n```python\\nx = 1\\n```\\n')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:3] == ["[]", "[]", "['pygments', 'yaml']"]


# --- code -----------------------------------------------------------------------------------


def test_code_blocks_are_highlighted_by_language() -> None:
    html = render_lesson_html(
        "```python\ndef f(x):\n    return x < 1  # note\n```\n\n"
        "```nosuchlanguage\nplain <text> & more\n```\n\n"
        "```output\nresult\n```\n\n    indented code\n"
    )
    python, unknown, output, indented = html.split('<table class="code')[1:]
    assert (
        python.startswith(' python"')
        and '<span style="color: #008000; font-weight: bold">def' in python
    )
    assert "&lt;" in python and "<span" in python
    assert "<span" not in unknown and "plain &lt;text&gt; &amp; more" in unknown
    assert output.startswith(' output"') and "<span" not in output
    assert "indented code" in indented


# --- folds and boxes ------------------------------------------------------------------------

FOLDS = """\
::::: challenge
## Try it

Question text.

:::: hint
Look left.
::::

:::: solution
## Solution

### The answer

Forty-two.
::::
:::::

::: instructor
Teachers only.
:::

::: caution
An unknown kind still becomes a box.
:::

::: questions
Never closed, still fine.
"""


def test_folded_boxes_open_and_close_without_reparsing() -> None:
    lesson = render_lesson(FOLDS)
    assert lesson.fold_ids == ["hint-1", "solution-1"]
    shut = lesson.html()
    assert "Forty-two" not in shut and "Look left" not in shut
    assert "Show solution" in shut and "Show hint" in shut
    assert 'href="slate-fold:solution-1"' in shut
    opened = lesson.html({"solution-1"})
    assert "Forty-two" in opened and "Hide solution" in opened and "Look left" not in opened
    assert lesson.folds_around("the-answer") == ["solution-1"]
    assert lesson.folds_around("try-it") == []
    assert "Teachers only" not in lesson.html(lesson.fold_ids)
    assert "Teachers only" in render_lesson(FOLDS, for_teacher=True).html()
    assert 'class="box caution"' in shut and "unknown kind" in shut
    assert 'class="box questions"' in shut and "Never closed" in shut
    assert ":::" not in lesson.html(lesson.fold_ids)


# --- Markdown extensions --------------------------------------------------------------------

EXTENSIONS = """\
---
title: "Front: matter"
teaching: 30
---

# A heading with `code`

Text with a note.[^1] ~~struck~~

| a | b |
|---|---|
| 1 | 2 |

- [ ] to do
- [x] done

![](fig/x.svg){alt='A "quoted" figure with $signs$ and \\*stars'}

[^1]: The note itself.
"""


def test_markdown_extensions(qtbot) -> None:  # type: ignore[no-untyped-def]
    lesson = render_lesson(EXTENSIONS, resolve_image=lambda p: f"file:///nowhere/{p}")
    assert lesson.title == "Front: matter"
    html = lesson.html()
    assert 'id="a-heading-with-code"' in html
    assert 'href="#fn1"' in html and 'id="fn1"' in html
    assert "<s>struck</s>" in html and "<table>" in html
    assert 'alt="A &quot;quoted&quot; figure with $signs$ and *stars"' in html
    assert '<p align="center" class="figure"><img' in html
    browser = shown(qtbot, html)
    text = browser.toPlainText()
    assert "teaching" not in text and "title" not in text
    assert "{alt" not in text and "to do" in text
    markers = []
    block = browser.document().begin()
    while block.isValid():
        if block.text() in ("to do", "done"):
            markers.append(block.blockFormat().marker())
        block = block.next()
    assert markers == [QTextBlockFormat.MarkerType.Unchecked, QTextBlockFormat.MarkerType.Checked]


def test_broken_front_matter_hides_nothing_else() -> None:
    lesson = render_lesson("---\ntitle: [unclosed\n---\n\nBody text.\n")
    assert lesson.title == "" and "Body text." in lesson.html()


def test_box_names_in_pandoc_and_capitalised_spellings() -> None:
    lesson = render_lesson(
        "::: {.solution}\nThe answer.\n:::\n\n:::: Callout\nA note.\n::::\n\n"
        "::: {.instructor}\nTeachers only.\n:::\n\nAfter the boxes.\n"
    )
    assert lesson.fold_ids == ["solution-1"]
    shut = lesson.html()
    assert "The answer." not in shut and "The answer." in lesson.html(lesson.fold_ids)
    assert 'class="box callout"' in shut and "A note." in shut
    assert "Teachers only" not in shut and "After the boxes." in shut

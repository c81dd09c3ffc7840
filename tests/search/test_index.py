"""The search index over real stores: what is indexed, ranking, snippets, queries, upkeep."""

from __future__ import annotations

import re
import shutil
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from app.courses.importer import CourseImportError, import_course
from app.db.models import Meta
from app.db.store import Store
from app.search import (
    DOCS,
    FTS,
    INDEX_VERSION,
    ensure_index,
    fts_query,
    lesson_sections,
    rebuild_index,
    search,
)
from app.subtitles import parse_vtt
from tests.search.conftest import fts_integrity_ok, true_false, write_course

DEMO = "demo.speed-distance-time"


def find(store: Store, query: str, **kwargs):  # type: ignore[no-untyped-def]
    with store.read() as session:
        return search(session, query, **kwargs)


def indexed_rows(store: Store) -> list[tuple]:
    with sqlite3.connect(store.db_path) as conn:
        return conn.execute(
            f"SELECT course_id, item_id, kind, anchor, time_s, body FROM {DOCS} ORDER BY id"
        ).fetchall()


# -- what is indexed ---------------------------------------------------------------------------


def test_import_indexes_lessons_transcripts_and_questions(demo_store: Store) -> None:
    kinds = {row[2] for row in indexed_rows(demo_store)}
    assert kinds == {"lesson", "notes", "transcript", "question"}
    assert fts_integrity_ok(demo_store)

    hits = find(demo_store, "cheetah")
    assert hits[0].kind == "lesson"
    assert hits[0].item_id == "lesson-what-is-speed"
    assert hits[0].anchor == "speed-in-everyday-life"
    assert hits[0].title == "What is speed? › Speed in everyday life"
    assert hits[0].course_title == "Speed, Distance and Time"

    question = next(h for h in find(demo_store, "horizontal flat line") if h.kind == "question")
    assert question.item_id == "quiz-check"
    assert question.question_id is not None


def test_a_transcript_hit_starts_at_the_cue_that_holds_the_words(
    demo_store: Store, demo_dir: Path
) -> None:
    cues = parse_vtt((demo_dir / "media" / "speed-intro.en.vtt").read_text("utf-8"))
    # One word: the first cue that says it.
    first = next(c for c in cues if "cyclist" in c.text.lower())
    hit = next(h for h in find(demo_store, "cyclist") if h.kind == "transcript")
    assert hit.item_id == "intro-video"
    assert hit.time_s == pytest.approx(first.start_s)
    # Two words: the cue that says both, not the first that says one of them.
    both = next(
        c for c in cues if {"rearranged", "distance"} <= set(re.findall(r"\w+", c.text.lower()))
    )
    hit = next(h for h in find(demo_store, "rearranged distance") if h.kind == "transcript")
    assert hit.time_s == pytest.approx(both.start_s)
    assert hit.time_s != pytest.approx(cues[0].start_s)


def test_lesson_text_is_indexed_without_markup(tmp_path: Path, store: Store) -> None:
    markdown = (
        "---\ntitle: Front matter title\nsecretkey: frontmattervalue\n---\n\n"
        "Intro with **bold words** and a [link text](https://example.org/linkurlword).\n\n"
        "## Formulas\n\nSpeed is $v = \\frac{d}{t}$ in `code span`.\n\n"
        "```python\nprint('fencedcode')\n```\n\n"
        "::: instructor\n\n## Instructor note\n\nteachersonlyword\n\n:::\n\n"
        "::: callout\n\nvisiblecalloutword\n\n:::\n\n"
        "![diagram alttextword](../media/none.png)\n"
    )
    sections = lesson_sections(markdown)
    assert [s.heading for s in sections] == ["", "Formulas"]
    text = "\n".join(s.text for s in sections)
    assert "bold words" in text and "**" not in text
    assert "link text" in text and "linkurlword" not in text
    assert "fencedcode" in text and "```" not in text
    assert "(d)/(t)" in text or "d/t" in text
    assert "alttextword" in text
    assert "visiblecalloutword" in text
    assert "teachersonlyword" not in text and "Instructor note" not in text
    assert "frontmattervalue" not in text

    (tmp_path / "pkg" / "media").mkdir(parents=True)
    (tmp_path / "pkg" / "media" / "none.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    import_course(store, write_course(tmp_path / "pkg", {"l1": ("Markup", markdown)}))
    assert find(store, "fencedcode")
    assert not find(store, "linkurlword")
    assert not find(store, "teachersonlyword")


def test_anchors_follow_the_github_rule_and_repeat_with_a_number() -> None:
    sections = lesson_sections("# Top\n\none\n\n## Why? Because!\n\ntwo\n\n## Top\n\nthree\n")
    assert [(s.heading, s.anchor) for s in sections] == [
        ("Top", "top"),
        ("Why? Because!", "why-because"),
        ("Top", "top-1"),
    ]


# -- ranking and snippets ----------------------------------------------------------------------


def test_ranking_puts_the_lesson_about_a_word_first(tmp_path: Path, store: Store) -> None:
    filler = "Plants need light, water and air to grow well in a garden. " * 6
    lessons = {
        "passing": ("Gardening", f"# Gardening\n\n{filler}\n\nLeaves do photosynthesis.\n"),
        "about": (
            "Photosynthesis",
            "# Photosynthesis\n\nPhotosynthesis turns light into sugar. "
            "During photosynthesis, leaves take in carbon dioxide.\n",
        ),
        "none": ("Soil", f"# Soil\n\n{filler}\n"),
    }
    import_course(store, write_course(tmp_path / "pkg", lessons))
    hits = find(store, "photosynthesis")
    assert [h.item_id for h in hits] == ["about", "passing"]
    # A rarer word outweighs a common one.
    hits = find(store, "garden sugar")
    assert hits == []  # both words must occur
    assert find(store, "light sugar")[0].item_id == "about"


def test_snippets_highlight_matches_and_escape_the_text(tmp_path: Path, store: Store) -> None:
    lesson = (
        "# Comparing\n\nIf a < b & c > d then <script>alert('x')</script> is only text "
        "about comparison.\n"
    )
    import_course(store, write_course(tmp_path / "pkg", {"cmp": ("Comparing", lesson)}))
    (hit,) = find(store, "script")
    assert "<b>script</b>" in hit.snippet
    assert "<script" not in hit.snippet
    assert "&lt;" in hit.snippet and "&amp;" in hit.snippet
    stripped = hit.snippet.replace("<b>", "").replace("</b>", "")
    assert "<" not in stripped and ">" not in stripped
    (hit,) = find(store, "comparison")
    assert "<b>comparison</b>" in hit.snippet


# -- queries users type ------------------------------------------------------------------------

HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    '"""',
    '"speed',
    "speed\"'",
    "NEAR(",
    "NEAR(speed time",
    "NEAR(speed, time, 2)",
    "*",
    "speed*",
    "**",
    "-",
    "-speed",
    "speed -time",
    "speed - time",
    "AND",
    "speed AND",
    "OR OR NOT",
    "NOT speed",
    "(",
    ")",
    "(speed",
    "^speed",
    "+speed",
    "title:speed",
    "{title body}: speed",
    "body : speed",
    ":",
    "'",
    "\\",
    "\x00",
    "\x02speed\x03",
    "%_%",
    "😀",
    "speed 😀",
    "über",
    "日本語",
    "مرحبا",
    "a" * 5000,
    "speed " * 200,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_any_typed_query_is_searched_without_an_error(demo_store: Store, query: str) -> None:
    hits = find(demo_store, query)
    assert isinstance(hits, list)
    for hit in hits:
        assert "\x02" not in hit.snippet and "\x03" not in hit.snippet


def test_operators_are_plain_words() -> None:
    assert fts_query("speed NOT time") == '"speed" "NOT" "time"*'
    assert fts_query("NEAR(speed time") == '"NEAR" "speed" "time"*'
    assert fts_query('say "distance time" now') == '"say" "distance time" "now"*'
    assert fts_query("half-life ") == '"half life"'
    assert fts_query('"') is None and fts_query("") is None and fts_query("-*") is None


def test_quoted_words_and_phrases_match(demo_store: Store) -> None:
    assert find(demo_store, "speed AND")  # "and" is a word like any other
    phrase = find(demo_store, '"metres per second"')
    assert phrase and all(
        "metres per second" in h.snippet.replace("<b>", "").replace("</b>", "") for h in phrase[:3]
    )
    assert find(demo_store, "m/s")  # a unit is searched as the phrase "m s"


def test_diacritics_are_ignored_both_ways(tmp_path: Path, store: Store) -> None:
    lessons = {
        "cafe": ("Café", "# Café\n\nA naïve résumé written in a café in Zürich.\n"),
        "plain": ("Plain", "# Plain\n\nThe resume of a cafe owner.\n"),
    }
    import_course(store, write_course(tmp_path / "pkg", lessons))
    assert {h.item_id for h in find(store, "cafe")} == {"cafe", "plain"}
    assert {h.item_id for h in find(store, "café")} == {"cafe", "plain"}
    assert {h.item_id for h in find(store, "resume ")} == {"cafe", "plain"}
    assert [h.item_id for h in find(store, "zurich")] == ["cafe"]
    # A query typed with combining accents (NFD) finds the same.
    assert [h.item_id for h in find(store, unicodedata.normalize("NFD", "zürich"))] == ["cafe"]


def test_the_last_word_matches_as_a_prefix_while_typing(demo_store: Store) -> None:
    assert find(demo_store, "chee")[0].item_id == "lesson-what-is-speed"
    assert find(demo_store, "chee ") == []  # finished word: no longer a prefix
    assert find(demo_store, "chee sprinting") == []  # only the last word is a prefix
    assert find(demo_store, "sprinting chee")
    # Stemming: another form of the word finds it.
    assert find(demo_store, "cheetahs ")


def test_results_can_be_limited_to_one_course(tmp_path: Path, demo_store: Store) -> None:
    other = {"cheetahs": ("Big cats", "# Big cats\n\nA cheetah is a big cat.\n")}
    import_course(demo_store, write_course(tmp_path / "pkg", other, course_id="other"))
    assert {h.course_id for h in find(demo_store, "cheetah")} == {DEMO, "other"}
    assert {h.course_id for h in find(demo_store, "cheetah", course_id="other")} == {"other"}
    assert len(find(demo_store, "speed", limit=3)) == 3


# -- keeping the index up to date --------------------------------------------------------------


def test_reimporting_a_newer_version_updates_the_index(tmp_path: Path, store: Store) -> None:
    pkg = write_course(tmp_path / "pkg", {"l1": ("Energy", "# Energy\n\nKinetic energy.\n")})
    import_course(store, pkg)
    assert find(store, "kinetic")
    write_course(pkg, {"l1": ("Energy", "# Energy\n\nPotential energy.\n")}, version="2")
    assert import_course(store, pkg).status == "updated"
    assert find(store, "kinetic") == []
    assert [h.item_id for h in find(store, "potential")] == ["l1"]
    assert fts_integrity_ok(store)


def test_retired_lessons_and_questions_drop_out(tmp_path: Path, store: Store) -> None:
    lessons = {
        "keep": ("Kept", "# Kept\n\nGravity pulls.\n"),
        "gone": ("Gone", "# Gone\n\nFriction slows.\n"),
    }
    questions = [
        true_false("q1", "Is magnetism a force?"),
        true_false("q2", "Is buoyancy a force?"),
    ]
    pkg = write_course(tmp_path / "pkg", lessons, questions=questions)
    import_course(store, pkg)
    assert find(store, "friction") and find(store, "buoyancy")
    shutil.rmtree(pkg)
    write_course(pkg, {"keep": lessons["keep"]}, questions=questions[:1], version="2")
    import_course(store, pkg)
    assert find(store, "friction") == []
    assert find(store, "buoyancy") == []
    assert find(store, "gravity") and find(store, "magnetism")


def test_a_failed_import_leaves_the_index_unchanged(tmp_path: Path, store: Store) -> None:
    pkg = write_course(tmp_path / "pkg", {"l1": ("Waves", "# Waves\n\nAmplitude and frequency.\n")})
    import_course(store, pkg)
    before = indexed_rows(store)
    # The newer version fails while its passages are being written to the index: after the
    # course rows are written and the old passages deleted, in the same transaction.
    with sqlite3.connect(store.db_path) as conn:
        conn.execute(
            f"CREATE TRIGGER poison AFTER INSERT ON {DOCS} WHEN new.body LIKE '%wavelength%' "
            "BEGIN SELECT RAISE(ABORT, 'disk trouble while indexing'); END"
        )
    write_course(pkg, {"l1": ("Waves", "# Waves\n\nWavelength only.\n")}, version="2")
    with pytest.raises(CourseImportError, match="disk trouble while indexing"):
        import_course(store, pkg)
    assert indexed_rows(store) == before
    assert [h.item_id for h in find(store, "amplitude")] == ["l1"]
    assert find(store, "wavelength") == []
    with store.read() as session:
        from app.db.models import Course

        assert session.get(Course, "test.search").version == "1"  # type: ignore[union-attr]
    assert fts_integrity_ok(store)


def test_a_store_without_an_index_gets_one_built(demo_store: Store) -> None:
    expected = indexed_rows(demo_store)
    with sqlite3.connect(demo_store.db_path) as conn:
        conn.execute(f"DROP TABLE {FTS}")
        conn.execute(f"DROP TABLE {DOCS}")
        conn.execute("DELETE FROM meta WHERE key = 'search.index_version'")
    assert find(demo_store, "cheetah") == []  # no index: no hits, and no error
    with demo_store.write() as session:
        assert ensure_index(session, demo_store.media_dir) is True
    with demo_store.write() as session:
        assert ensure_index(session, demo_store.media_dir) is False  # now current: a no-op
    assert indexed_rows(demo_store) == expected
    assert find(demo_store, "cheetah")


def test_an_index_of_another_version_is_rebuilt(demo_store: Store) -> None:
    with demo_store.write() as session:
        session.merge(Meta(key="search.index_version", value="0"))
    with demo_store.write() as session:
        assert ensure_index(session, demo_store.media_dir) is True
        assert session.get(Meta, "search.index_version").value == INDEX_VERSION  # type: ignore[union-attr]
    with demo_store.write() as session:
        assert rebuild_index(session, demo_store.media_dir) == len(indexed_rows(demo_store))
    assert fts_integrity_ok(demo_store)

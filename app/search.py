"""Full-text search over lesson text, video transcripts and quiz question prompts (SQLite FTS5).

sqlite-utils owns the index (DESIGN.md): a plain table `search_docs` holds one row per passage and
an external-content FTS5 table `search_docs_fts`, kept in step by sqlite-utils' triggers, indexes
its `title` and `body`. Course content is read through SQLAlchemy; the index is derived data that
`rebuild_index` can recreate at any time.

A passage is what a hit opens:
- `lesson`: one heading section of a lesson; opens the lesson scrolled to the heading's anchor.
- `notes`: one heading section of a video's Markdown notes; opens the video.
- `transcript`: a run of consecutive subtitle cues; opens the video at the cue holding most of
  the matched words (cues are grouped so that words said in neighbouring cues still hit).
- `question`: a quiz question's prompt; opens the quiz.

The index is written through the caller's SQLAlchemy session's own sqlite3 connection, so
re-indexing a course during an import is part of the import's transaction: a failed import
leaves the index exactly as it was. sqlite-utils (4.x) nests its writes in savepoints when a
transaction is already open instead of committing it (tests/search checks this).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors.index import slugify, unique_slug
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.models import Course, Item, ItemKind, Media, Meta, Module, Question
from app.lessons import tex_to_html
from app.media_store import media_path
from app.subtitles import Cue, SubtitleError, parse_vtt

if TYPE_CHECKING:
    from sqlite_utils import Database

DOCS = "search_docs"
FTS = f"{DOCS}_fts"
# Porter stemming over unicode61: "graphs" finds "graph", "cafe" finds "café".
TOKENIZE = "porter unicode61 remove_diacritics 2"
# Bump when the passages, columns or tokenizer change: a store with another version rebuilds.
INDEX_VERSION = "3"
_VERSION_KEY = "search.index_version"

# bm25 weights for (title, body): a word in a heading or item title counts more.
_WEIGHTS = "4.0, 1.0"
SNIPPET_TOKENS = 24
# Cues are grouped until a passage spans this long or holds this much text.
GROUP_SECONDS = 30.0
GROUP_CHARS = 400
MAX_QUERY_CHARS = 256
MAX_QUERY_TERMS = 32
# Markers for snippet()/highlight(); indexed text is cleaned of control characters, so they
# cannot occur in it and the HTML built from them is unambiguous.
_OPEN, _CLOSE = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Containers whose text learners never see (Carpentries instructor notes) are not indexed.
_HIDDEN_CONTAINERS = frozenset({"instructor"})


@dataclass(frozen=True)
class SearchHit:
    """One ranked result. `snippet` is HTML: escaped text with matches in <b>…</b>."""

    kind: str  # "lesson", "notes", "transcript" or "question"
    course_id: str
    course_title: str
    item_id: str
    title: str
    snippet: str
    anchor: str | None = None  # heading anchor in a lesson (None: the top)
    time_s: float | None = None  # where to start a video
    question_id: str | None = None
    language: str | None = None  # the subtitle track a transcript hit came from


@dataclass(frozen=True)
class Section:
    """A stretch of a Markdown document under one heading (the first may have no heading)."""

    heading: str
    anchor: str | None
    text: str


# -- the query ---------------------------------------------------------------------------------

_QUOTED = re.compile(r'("[^"]*")')
# A word, with inner hyphens, apostrophes, dots and slashes kept: "half-life", "3.5" and "m/s"
# are searched as phrases.
_WORD = re.compile(r"\w+(?:[-'’./]\w+)*")
_PART = re.compile(r"[^\W_]+")


def fts_query(text: str) -> str | None:
    """A MATCH expression for what a user typed, or None if it holds nothing to search for.

    Every word is quoted, so FTS5 operators (`AND`, `NEAR(`, `*`, `-`, `^`, `:`) and stray quotes
    are plain text and never a syntax error; words must all occur (implicit AND). Balanced
    double quotes keep a phrase. The last word, while it is still being typed (no trailing
    space), also matches as a prefix.
    """
    text = unicodedata.normalize("NFC", text[:MAX_QUERY_CHARS])
    terms: list[tuple[str, bool]] = []  # (quoted phrase, may take a prefix)
    for part in _QUOTED.split(text):
        if len(part) >= 2 and part.startswith('"') and part.endswith('"'):
            words = _PART.findall(part)
            if words:
                terms.append((" ".join(words), False))
            continue
        for match in _WORD.finditer(part):
            words = _PART.findall(match.group())
            if words:
                terms.append((" ".join(words), len(words) == 1))
    terms = terms[:MAX_QUERY_TERMS]
    if not terms:
        return None
    quoted = [f'"{phrase}"' for phrase, _ in terms]
    last, prefixable = terms[-1]
    still_typing = not text[-1:].isspace()
    # One letter as a prefix would expand to a large share of the vocabulary; wait for two.
    if prefixable and still_typing and len(last) >= 2:
        quoted[-1] += "*"
    return " ".join(quoted)


# -- searching ---------------------------------------------------------------------------------


def search(
    session: Session, query: str, *, course_id: str | None = None, limit: int = 50
) -> list[SearchHit]:
    """Ranked hits for what a user typed; [] for an empty query or a store with no index yet.

    Call `ensure_index` first (in the same or an earlier transaction) on a store that may
    predate the index.
    """
    match = fts_query(query)
    if match is None:
        return []
    db = _database(session)
    if not db[FTS].exists():
        return []
    where = "AND d.course_id = :course" if course_id is not None else ""
    sql = f"""
        SELECT d.kind, d.course_id, d.course_title, d.item_id, d.item_title, d.heading,
               d.anchor, d.time_s, d.question_id, d.cue_map, d.language,
               snippet({FTS}, 1, char(2), char(3), '…', {SNIPPET_TOKENS}) AS snip,
               CASE WHEN d.kind = 'transcript'
                    THEN highlight({FTS}, 1, char(2), char(3)) END AS marked
        FROM {FTS} JOIN {DOCS} AS d ON d.id = {FTS}.rowid
        WHERE {FTS} MATCH :match {where}
        ORDER BY {FTS}.rank
        LIMIT :limit
    """
    params: dict[str, Any] = {"match": match, "limit": max(int(limit), 0)}
    if course_id is not None:
        params["course"] = course_id
    return [_hit(row) for row in db.query(sql, params)]


def _hit(row: dict[str, Any]) -> SearchHit:
    kind = row["kind"]
    time_s = row["time_s"]
    if kind == "transcript" and row["marked"]:
        time_s = _cue_time(row["marked"], json.loads(row["cue_map"] or "[]"), time_s)
    heading = row["heading"] or ""
    title = row["item_title"]
    if heading and heading != title:
        title = f"{title} › {heading}"
    return SearchHit(
        kind=kind,
        course_id=row["course_id"],
        course_title=row["course_title"],
        item_id=row["item_id"],
        title=title,
        snippet=snippet_html(row["snip"] or ""),
        anchor=row["anchor"],
        time_s=time_s,
        question_id=row["question_id"],
        language=row["language"],
    )


def snippet_html(marked: str) -> str:
    """Escape a marked-up snippet for rich text, turning the match markers into <b>…</b>."""
    escaped = html.escape(marked, quote=False)
    return escaped.replace(_OPEN, "<b>").replace(_CLOSE, "</b>")


def _cue_time(marked: str, cue_map: list[list[float]], default: float | None) -> float | None:
    """The start of the cue in a transcript passage that holds most of the matched words.

    `marked` is the passage with its matches between markers; ties go to the earliest cue, so a
    one-word query opens at its first occurrence.
    """
    if not cue_map:
        return default
    offsets = [int(offset) for offset, _start in cue_map]
    words_in_cue: dict[int, set[str]] = {}
    plain = 0  # offset in the unmarked passage
    for index, piece in enumerate(marked.split(_OPEN)):
        word, _, after = piece.partition(_CLOSE) if index else ("", "", piece)
        if index:
            cue = max(bisect_right(offsets, plain) - 1, 0)
            words_in_cue.setdefault(cue, set()).add(word.casefold())
        plain += len(word) + len(after)
    if not words_in_cue:
        return default
    best = min(words_in_cue, key=lambda cue: (-len(words_in_cue[cue]), cue))
    return float(cue_map[best][1])


# -- maintaining the index ---------------------------------------------------------------------


def ensure_index(session: Session, media_dir: Path) -> bool:
    """Build the whole index if it is missing or from another INDEX_VERSION; True if it did."""
    if index_is_current(session):
        return False
    rebuild_index(session, media_dir)
    return True


def rebuild_index(session: Session, media_dir: Path) -> int:
    """Drop and recreate the index for every stored course; returns the number of passages."""
    with _store_errors():
        db = _database(session)
        db[FTS].drop(ignore=True)
        db[DOCS].drop(ignore=True)
        _create_schema(db)
        session.merge(Meta(key=_VERSION_KEY, value=INDEX_VERSION))
        total = 0
        for course_id in session.scalars(select(Course.id).order_by(Course.id)):
            total += _write_course_passages(session, db, media_dir, course_id)
        return total


def index_course(session: Session, media_dir: Path, course_id: str) -> int:
    """Replace a course's passages with its current (non-retired) content.

    Called by the importer inside the import's transaction. Returns the number of passages.
    A database error is raised as SQLAlchemy's (DBAPIError), like any other write in the
    session, so callers handle one kind of store error.
    """
    with _store_errors():
        if not index_is_current(session):
            # First use on this store (or a new index version): build everything, this too.
            rebuild_index(session, media_dir)
            return _count_passages(session, course_id)
        return _write_course_passages(session, _database(session), media_dir, course_id)


@contextmanager
def _store_errors() -> Iterator[None]:
    """sqlite3 errors from sqlite-utils' writes, raised as SQLAlchemy wraps the session's own."""
    try:
        yield
    except sqlite3.Error as exc:
        raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc


def index_is_current(session: Session) -> bool:
    """True if the store has an index of this INDEX_VERSION (a cheap check)."""
    version = session.get(Meta, _VERSION_KEY)
    return (
        version is not None and version.value == INDEX_VERSION and _database(session)[FTS].exists()
    )


def _count_passages(session: Session, course_id: str) -> int:
    return _database(session)[DOCS].count_where("course_id = ?", [course_id])


def _database(session: Session) -> Database:
    """sqlite-utils over the session's own sqlite3 connection (and so its open transaction)."""
    import sqlite_utils

    raw = session.connection().connection.driver_connection
    # No plugins, and leave the connection's recursive_triggers setting as the store made it.
    return sqlite_utils.Database(raw, recursive_triggers=False, execute_plugins=False)


def _create_schema(db: Database) -> None:
    docs = db.table(DOCS)
    docs.create(
        {
            "id": int,
            "course_id": str,
            "course_title": str,
            "item_id": str,
            "item_title": str,
            "kind": str,
            "heading": str,
            "title": str,
            "body": str,
            "anchor": str,
            "time_s": float,
            "question_id": str,
            "cue_map": str,
            "language": str,
            "position": int,
        },
        pk="id",
        not_null={"course_id", "item_id", "kind", "title", "body"},
    )
    docs.create_index(["course_id"])
    docs.enable_fts(["title", "body"], tokenize=TOKENIZE, create_triggers=True)
    # Rank by weighted bm25 through FTS5's `rank` column: `ORDER BY rank LIMIT n` lets FTS5 sort
    # the matches itself, so snippet() and highlight() run only for the rows returned.
    db.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES('rank', 'bm25({_WEIGHTS})')")


def _write_course_passages(session: Session, db: Database, media_dir: Path, course_id: str) -> int:
    docs = db.table(DOCS)
    docs.delete_where("course_id = ?", [course_id])
    course = session.get(Course, course_id)
    if course is None:
        return 0
    rows = list(_course_rows(session, media_dir, course))
    docs.insert_all(rows, batch_size=500)
    return len(rows)


def _course_rows(session: Session, media_dir: Path, course: Course) -> Iterator[dict[str, Any]]:
    items = session.scalars(
        select(Item)
        .join(Module, Item.module_pk == Module.pk)
        .where(Item.course_id == course.id, Item.retired.is_(False), Module.retired.is_(False))
        .order_by(Module.position, Item.position)
    )
    position = 0
    for item in items:
        base = {
            "course_id": course.id,
            "course_title": course.title,
            "item_id": item.item_id,
            "item_title": item.title,
        }
        for row in _item_rows(session, media_dir, item):
            position += 1
            yield base | row | {"position": position}


def _item_rows(session: Session, media_dir: Path, item: Item) -> Iterator[dict[str, Any]]:
    if item.kind in (ItemKind.LESSON, ItemKind.VIDEO) and item.body_md:
        kind = "lesson" if item.kind == ItemKind.LESSON else "notes"
        for section in lesson_sections(item.body_md):
            yield _passage(kind, item.title, section.heading, section.text, anchor=section.anchor)
    if item.kind == ItemKind.VIDEO:
        for track in item.subtitles:
            for body, start_s, cue_map in transcript_passages(
                _track_cues(session, media_dir, track.sha256)
            ):
                yield _passage(
                    "transcript",
                    item.title,
                    "",
                    body,
                    time_s=start_s,
                    cue_map=json.dumps(cue_map),
                    language=track.language,
                )
    if item.kind == ItemKind.QUIZ and item.assessment is not None:
        # Queried, not read from `assessment.questions`: during an import that collection can
        # be stale in this session (the importer adds questions by their foreign key).
        questions = session.scalars(
            select(Question)
            .where(Question.assessment_pk == item.assessment.pk, Question.retired.is_(False))
            .order_by(Question.position)
        )
        for number, question in enumerate(questions, start=1):
            yield _passage(
                "question",
                item.title,
                f"Question {number}",
                markdown_text(question.prompt_md),
                question_id=question.question_id,
            )


def _passage(
    kind: str,
    item_title: str,
    heading: str,
    body: str,
    *,
    anchor: str | None = None,
    time_s: float | None = None,
    question_id: str | None = None,
    cue_map: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    heading = _clean(heading)
    title = f"{item_title} · {heading}" if heading and heading != item_title else item_title
    return {
        "kind": kind,
        "heading": heading,
        "title": _clean(title),
        "body": _clean(body),
        "anchor": anchor,
        "time_s": time_s,
        "question_id": question_id,
        "cue_map": cue_map,
        "language": language,
    }


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text))


def _track_cues(session: Session, media_dir: Path, sha256: str) -> list[Cue]:
    media = session.get(Media, sha256)
    if media is None:
        return []
    try:
        text = media_path(media_dir, sha256, media.ext).read_text("utf-8-sig")
        return parse_vtt(text, name=sha256)
    except (OSError, UnicodeDecodeError, SubtitleError):
        # The importer validated the track; a file missing or damaged since then must not stop
        # an import or a rebuild. The video itself still plays and its other text is indexed.
        return []


# -- passages from content ---------------------------------------------------------------------


def transcript_passages(cues: Iterable[Cue]) -> Iterator[tuple[str, float, list[list[float]]]]:
    """Group consecutive cues into (text, start_s, [[char offset in text, cue start_s], ...])."""
    parts: list[str] = []
    cue_map: list[list[float]] = []
    length = 0
    start = 0.0
    for cue in cues:
        text = " ".join(cue.text.split())
        if not text:
            continue
        if parts and (cue.start_s - start >= GROUP_SECONDS or length >= GROUP_CHARS):
            yield " ".join(parts), start, cue_map
            parts, cue_map, length = [], [], 0
        if not parts:
            start = cue.start_s
        else:
            length += 1  # the joining space
        cue_map.append([length, cue.start_s])
        parts.append(text)
        length += len(text)
    if parts:
        yield " ".join(parts), start, cue_map


def _parser() -> MarkdownIt:
    # The reader's own parser, so an indexed anchor is exactly the id of the heading it shows.
    from app.lessons.parser import lesson_parser

    return lesson_parser()


def lesson_sections(markdown: str) -> list[Section]:
    """The Markdown's plain text (no markup), split at every heading.

    A heading's anchor is the id mdit-py-plugins' anchors plugin gives it, as GitHub does (lower
    case, spaces to hyphens, punctuation dropped, `-1`, `-2` for repeats), so the reader can find
    the heading it names.
    """
    tokens = _parser().parse(markdown)
    sections: list[Section] = []
    heading, anchor = "", None
    blocks: list[str] = []
    hidden = 0  # depth inside containers learners never see

    def close_section() -> None:
        text = "\n".join(b for b in blocks if b)
        if heading or text:
            sections.append(Section(heading, anchor, text))

    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.type.startswith("container_") and token.type.endswith("_open"):
            name = token.type.removeprefix("container_").removesuffix("_open")
            if hidden or name in _HIDDEN_CONTAINERS:
                hidden += 1
            continue
        if token.type.startswith("container_") and token.type.endswith("_close"):
            hidden = max(hidden - 1, 0)
            continue
        if hidden:
            continue
        if token.type == "heading_open" and index < len(tokens):
            close_section()
            inline = tokens[index]
            index += 1
            children = inline.children or []
            heading = " ".join(_inline_text(children).split())
            anchor = str(token.attrGet("id") or "") or None
            blocks = []
            continue
        if token.type == "inline":
            blocks.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
        elif token.type == "math_block":
            blocks.append(_tex(token.content))
    close_section()
    return sections


def heading_anchors(headings: Iterable[str]) -> list[str]:
    """The anchors of headings with these texts, in order, by the rule lessons use.

    For a reader that sees only rendered headings: `-1`, `-2` tell repeated headings apart.
    """
    slugs: set[str] = set()
    return [unique_slug(slugify(" ".join(text.split())), slugs) for text in headings]


def markdown_text(markdown: str) -> str:
    """All the plain text of a Markdown document, headings included."""
    return "\n".join(
        part for s in lesson_sections(markdown) for part in (s.heading, s.text) if part
    )


def _inline_text(children: list[Token]) -> str:
    out: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "kbd"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(_inline_text(child.children or []))
        elif child.type in ("math_inline", "math_inline_double"):
            out.append(_tex(child.content))
    return "".join(out)


def _tex(tex: str) -> str:
    return html.unescape(tex_to_html(tex))

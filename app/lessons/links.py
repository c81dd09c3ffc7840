"""What a lesson refers to: images and linked files inside its package, and where links lead."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from app.lessons.parser import lesson_parser, walk

_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FOLD_SCHEME = "slate-fold"


def is_remote(src: str) -> bool:
    return bool(_REMOTE.match(src))


def package_path(lesson_path: str, href: str) -> str:
    """A relative reference made in `lesson_path`, as a path from the package root."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(lesson_path), unquote(href)))


def local_references(markdown: str, lesson_path: str) -> tuple[set[str], set[str]]:
    """Package paths of the images and of the linked files a lesson refers to."""
    images: set[str] = set()
    links: set[str] = set()
    for token in walk(lesson_parser().parse(markdown)):
        if token.type == "image":
            src = str(token.attrGet("src") or "")
            if src and not is_remote(src):
                images.add(package_path(lesson_path, src))
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "").split("#", 1)[0]
            if href and not is_remote(href):
                links.add(package_path(lesson_path, href))
    return images, links


@dataclass(frozen=True)
class LessonLink:
    """Where a click in a lesson leads: a lesson of the course (maybe this one) and an anchor."""

    item_id: str | None  # None: the same lesson
    anchor: str


def resolve_lesson_link(
    href: str, lesson_path: str, lessons: Mapping[str, str]
) -> LessonLink | None:
    """The lesson a relative link points at, given `lessons` (package path -> item id).

    Besides `02-filedir.md`, links written for a lesson's web site work too: the built page
    `02-filedir.html`, a folder `02-filedir/` or `02-filedir/index.html`, or a path from
    another folder (`../episodes/02-filedir.md`). None when the target is not a lesson here.
    """
    if is_remote(href):
        return None
    target, _, anchor = href.partition("#")
    anchor = unquote(anchor)
    if not target:
        return LessonLink(None, anchor)
    path = package_path(lesson_path, target)
    for candidate in _spellings(path):
        if candidate in lessons:
            same = candidate == lesson_path
            return LessonLink(None if same else lessons[candidate], anchor)
    # A site may flatten folders: match by file name when exactly one lesson has it.
    stem = _stem(path)
    matches = [p for p in lessons if _stem(p) == stem]
    if len(matches) == 1:
        same = matches[0] == lesson_path
        return LessonLink(None if same else lessons[matches[0]], anchor)
    return None


def _spellings(path: str) -> list[str]:
    base = path[: -len("/index.html")] if path.endswith("/index.html") else path
    root, ext = posixpath.splitext(base)
    if ext in (".html", ".htm", ".md", ""):
        return [path, f"{root}.md", f"{root}.markdown", f"{root}.Rmd"]
    return [path]


def _stem(path: str) -> str:
    base = path[: -len("/index.html")] if path.endswith("/index.html") else path
    return posixpath.splitext(posixpath.basename(base))[0]


def fold_href(fold_id: str) -> str:
    return f"{FOLD_SCHEME}:{fold_id}"


def fold_id_of(href: str) -> str | None:
    prefix = f"{FOLD_SCHEME}:"
    return href[len(prefix) :] if href.startswith(prefix) else None

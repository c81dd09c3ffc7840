"""The words a reader must find on screen, taken from a lesson's Markdown source.

Written apart from the renderer on purpose (line rules and regular expressions, not
markdown-it), so that a renderer bug cannot hide itself by agreeing with the check. The source
loses only what is never meant to be seen as text: YAML front matter, fence lines, link
targets, image paths and alt text, reference definitions, the `<kbd>` tags around keys, and
(for students) instructor notes. Everything else, every word and every repeat of it, must be
in the QTextDocument's plain text.
"""

from __future__ import annotations

import html
import re
from collections import Counter

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BOX_FENCE = re.compile(r"^\s*:{3,}\s*(?P<name>[\w-]+)?\s*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?")
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_FULL_REFERENCE = re.compile(r"\]\[[^\]]*\]")
_LIST_NUMBER = re.compile(r"^(\s*(?:>\s*)?)\d{1,9}[.)](?=\s)", re.MULTILINE)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INTRAWORD_STARS = re.compile(r"(?<=[^\W_])\*+(?=[^\W_])")
_KBD_TAG = re.compile(r"</?kbd>", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.casefold()))


def visible_source(markdown: str, *, for_teacher: bool) -> str:
    """The lesson's text as a reader should see it, markup stripped by line rules."""
    text = _FRONT_MATTER.sub("", markdown.replace("\r\n", "\n"))
    kept: list[str] = []
    code_lines: list[str] = []
    boxes: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        code = _CODE_FENCE.match(line)
        if fence is not None:
            if code and code[1][0] == fence[0] and len(code[1]) >= len(fence):
                fence = None
                continue
        elif code:
            fence = code[1]
            continue
        else:
            box = _BOX_FENCE.match(line)
            if box:
                if box["name"]:
                    boxes.append(box["name"].lower())
                elif boxes:
                    boxes.pop()
                continue
        if "instructor" in boxes and not for_teacher:
            continue
        (kept if fence is None else code_lines).append(line)
    prose = "\n".join(kept)
    # Ordered-list numbers are drawn by Qt as list markers, which plain text leaves out.
    prose = _LIST_NUMBER.sub(r"\1", prose)
    # `**l**ong` reads as one word; stars inside code spans are kept.
    prose = _CODE_SPAN.sub(lambda m: m[0].replace("*", " * "), prose)
    prose = _INTRAWORD_STARS.sub("", prose)
    prose = _IMAGE.sub(" ", prose)
    prose = _FULL_REFERENCE.sub("] ", prose)
    prose = _LINK_TARGET.sub("] ", prose)
    prose = _REFERENCE_DEFINITION.sub(" ", prose)
    prose = _KBD_TAG.sub(" ", prose)
    prose = _ESCAPE.sub(r"\1", prose)
    return html.unescape(prose) + "\n" + "\n".join(code_lines)


def missing_words(markdown: str, shown_text: str, *, for_teacher: bool) -> Counter[str]:
    """Words (with their counts) of the source that the shown text lacks; empty when none."""
    return words(visible_source(markdown, for_teacher=for_teacher)) - words(shown_text)

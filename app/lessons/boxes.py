"""The fenced boxes of Carpentries-style lessons (`:::: challenge` ... `::::`).

Each kind has a label, colours and an icon; some are folded until the learner asks for them;
`instructor` notes are only for teachers. QTextBrowser draws borders and backgrounds reliably
only on tables, so a box is a one-column table: a header row and a body row.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BoxKind:
    label: str
    icon: str
    accent: str  # border and header text
    header: str  # header background
    body: str  # body background
    folded: bool = False
    teachers_only: bool = False

    @property
    def show_text(self) -> str:
        return f"Show {self.label.lower()}"

    @property
    def hide_text(self) -> str:
        return f"Hide {self.label.lower()}"


_NOTE = ("#1f6feb", "#dbe9fc", "#f3f8fe")
_TASK = ("#b35900", "#fde6cc", "#fff8f0")
_GOOD = ("#1a7f37", "#d4f0dc", "#f2fbf4")
_INFO = ("#6639ba", "#e8e0f7", "#f8f5fd")
_GREY = ("#57606a", "#e6e8eb", "#f6f8fa")
_WARN = ("#9a6700", "#fbeec6", "#fffbeb")

BOX_KINDS: dict[str, BoxKind] = {
    "callout": BoxKind("Note", "ℹ", *_NOTE),
    "challenge": BoxKind("Challenge", "✎", *_TASK),
    "exercise": BoxKind("Exercise", "✎", *_TASK),
    "solution": BoxKind("Solution", "✔", *_GOOD, folded=True),
    "hint": BoxKind("Hint", "☞", *_WARN, folded=True),
    "spoiler": BoxKind("Details", "▤", *_GREY, folded=True),
    "objectives": BoxKind("Objectives", "◎", *_INFO),
    "questions": BoxKind("Questions", "?", *_INFO),
    "keypoints": BoxKind("Key points", "★", *_INFO),
    "instructor": BoxKind(
        "Instructor note", "☗", "#a40e26", "#fbdde1", "#fff5f6", teachers_only=True
    ),
    "discussion": BoxKind("Discussion", "☺", *_NOTE),
    "testimonial": BoxKind("Testimonial", "❝", *_GREY),
    "checklist": BoxKind("Checklist", "☑", *_GOOD),
    "prereq": BoxKind("Prerequisite", "⚑", *_WARN),
    "caution": BoxKind("Caution", "⚠", *_WARN),
    "warning": BoxKind("Warning", "⚠", *_WARN),
    "tip": BoxKind("Tip", "☞", *_GOOD),
    "note": BoxKind("Note", "ℹ", *_NOTE),
}
GENERIC_BOX = "box"


def box_kind(name: str) -> BoxKind:
    known = BOX_KINDS.get(name.lower())
    if known:
        return known
    label = name.replace("-", " ").replace("_", " ").strip().capitalize() or "Note"
    return BoxKind(label, "▪", *_GREY)


def header_html(kind: BoxKind, title_html: str, anchor: str) -> str:
    """The header's text: icon, label and the box's own heading when it says more than that."""
    # A folded box's header starts with an open/shut triangle instead of the icon.
    prefix = "" if kind.folded else f"{html.escape(kind.icon)}&nbsp; "
    text = f"{prefix}{html.escape(kind.label)}"
    if title_html and _plain(title_html).casefold() != kind.label.casefold():
        shown = title_html if kind.folded else f"{html.escape(kind.label)}: {title_html}"
        text = f"{prefix}{shown}"
    target = f'<a name="{html.escape(anchor)}"></a>' if anchor else ""
    return f'<span style="color:{kind.accent}; font-weight:600;">{target}{text}</span>'


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def open_box(kind: BoxKind, css_class: str, header: str, *, body: bool = True) -> str:
    head = (
        f'<table class="box {css_class}" width="100%" cellspacing="0" cellpadding="8" '
        f'style="margin-top:10px; margin-bottom:10px; border-width:1px; border-style:solid; '
        f'border-color:{kind.accent}; border-collapse:collapse;">'
        f'<tr><td style="background-color:{kind.header}; border-width:0px;">{header}</td></tr>'
    )
    if body:
        head += f'<tr><td style="background-color:{kind.body}; border-width:0px;">\n'
    return head


def close_box(*, body: bool = True) -> str:
    return "</td></tr></table>\n" if body else "</table>\n"


def fold_link(href: str, text: str, accent: str) -> str:
    return (
        f'&nbsp;&nbsp;<a href="{html.escape(href)}" style="color:{accent};">{html.escape(text)}</a>'
    )

"""Writing questions as Moodle GIFT, so that `parse_gift` reads back the same questions.

Every question gets an explicit `// [id:...]` comment (and its tags), a `::title::` when it has
one, and an explicit text format marker. Text is escaped (`\\~ \\= \\# \\{ \\} \\: \\\\`) and
line breaks are written as `\\n`, so each question sits on its lines without blank lines.
What GIFT cannot say (ordering questions, case-sensitive short answers, QTI bounds and default
mappings, points) is reported in the returned warnings, never dropped silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.analytics.files import write_atomically
from app.banks.model import KINDS, BankWarning, ImportedQuestion, number, numeric_spec

_SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    return out.replace("\n", "\\n")


def _num(value: Any) -> str:
    return repr(number(float(value)))


def _percent(credit: float) -> str:
    return f"%{_num(round(float(credit) * 100, 8))}%"


def export_gift(questions: Iterable[ImportedQuestion]) -> tuple[str, list[BankWarning]]:
    """GIFT text for `questions`, and warnings for what GIFT cannot express."""
    blocks: list[str] = []
    warnings: list[BankWarning] = []
    category: str | None = None
    for q in questions:
        if q.category != category and (q.category or category is not None):
            blocks.append(f"$CATEGORY: {escape(q.category)}")
            category = q.category
        block = _question(q, warnings)
        if block is not None:
            blocks.append(block)
    return "\n\n".join(blocks) + "\n", warnings


@dataclass
class GiftFile:
    """What `write_gift` wrote: how many questions, and what GIFT could not say."""

    path: Path
    questions: int
    kinds: dict[str, int] = field(default_factory=dict)
    warnings: list[BankWarning] = field(default_factory=list)


def can_export(q: ImportedQuestion) -> bool:
    """Whether GIFT has a form for this question at all (if not, it is left out, with a
    warning)."""
    return q.type in _ANSWERS or q.type == "description"


def write_gift(path: Path, questions: Iterable[ImportedQuestion]) -> GiftFile:
    """Write `questions` as a GIFT file atomically (temp file, fsync, rename): after a failure
    the file is as before. Raises `OutputFileError` (a SlateError) if it cannot be written."""
    questions = list(questions)
    text, warnings = export_gift(questions)
    write_atomically(path, text.encode("utf-8"))
    exported = [q for q in questions if can_export(q)]
    counts = Counter(q.kind for q in exported)
    kinds = {kind: counts[kind] for kind in KINDS if counts[kind]}
    return GiftFile(path, len(exported), kinds, warnings)


def _question(q: ImportedQuestion, warnings: list[BankWarning]) -> str | None:
    def warn(message: str) -> None:
        label = f"{q.question_id} ({q.title!r})" if q.title else q.question_id
        warnings.append(BankWarning(q.source_line, f"{label}: {message}"))

    if not can_export(q):
        warn(f"{q.type} questions have no GIFT form; not exported")
        return None
    writer = _ANSWERS.get(q.type)
    if float(q.points) != 1.0:
        warn(f"points {number(float(q.points))!r} have no GIFT form; exported without them")
    comment = " ".join([f"[id:{q.question_id}]"] + [f"[tag:{t}]" for t in q.tags])
    head = f"// {comment}\n"
    if q.title:
        head += f"::{escape(q.title)}::"
    head += f"[{q.prompt_format}]{escape(q.prompt)}"
    if writer is None:
        return head
    answers = writer(q, warn)
    general = q.feedback.get("general")
    if general:
        answers += f"\n####{escape(general)}"
    return f"{head}{{{answers}\n}}"


_MISREAD = re.compile(r"^\s*(%-?[\d.]+%|\[(html|markdown|plain|moodle)\])", re.IGNORECASE)


def _check_answer(text: str, warn: Any) -> None:
    """GIFT cannot escape a leading `%50%` or `[html]` in an answer: say so."""
    if _MISREAD.match(text):
        warn(f"answer {text[:30]!r} starts like a GIFT weight or format and reads back changed")


def _option_text(q: ImportedQuestion, option: dict[str, Any], warn: Any = None) -> str:
    if warn is not None and not option.get("format"):
        _check_answer(option.get("text", ""), warn)
    own = option.get("format")
    text = f"[{own}]" if own and own != q.prompt_format else ""
    text += escape(option.get("text", ""))
    if option.get("feedback"):
        text += "#" + escape(option["feedback"])
    return text


def _choice(q: ImportedQuestion, warn: Any) -> str:
    key = q.key
    weights: dict[str, float] = dict(key.get("weights", {}))
    lines = []
    if q.type == "single_choice":
        weights.setdefault(key["answer"], 1.0)
        for option in q.options:
            credit = weights.get(option["id"], 0.0)
            if credit == 1.0:
                marker = "="
            elif credit:
                marker = "~" + _percent(credit)
            else:
                marker = "~"
            lines.append(marker + _option_text(q, option, warn))
    else:
        scoring = key.get("scoring", "all_or_nothing")
        if scoring != "weighted":
            share = 1.0 / len(key["answer"])
            weights = {opt: share for opt in key["answer"]}
            warn(f"{scoring} scoring is written as GIFT weights (each right answer earns a share)")
        for option in q.options:
            credit = weights.get(option["id"], 0.0)
            weight = _percent(credit) if credit else ""
            lines.append("~" + weight + _option_text(q, option, warn))
    for extra in ("default_weight", "lower", "upper"):
        if (
            extra in key
            and not (extra == "lower" and key[extra] == 0)
            and not (extra == "upper" and key[extra] == 1)
        ):
            warn(f"{extra} {key[extra]} has no GIFT form; not exported")
    return "\n" + "\n".join(lines)


def _true_false(q: ImportedQuestion, warn: Any) -> str:
    text = "TRUE" if q.key["answer"] else "FALSE"
    wrong, right = q.feedback.get("incorrect"), q.feedback.get("correct")
    if wrong or right:
        text += "#" + escape(wrong or "")
    if right:
        text += "#" + escape(right)
    return text


def _feedback_for(q: ImportedQuestion, answer: str) -> str:
    for entry in q.feedback.get("answers", []):
        if entry.get("answer") == answer:
            return "#" + escape(entry["feedback"])
    return ""


def _short_answer(q: ImportedQuestion, warn: Any) -> str:
    key = q.key
    if key.get("case_sensitive"):
        warn("case-sensitive matching has no GIFT form; exported as case-insensitive")
    lines = [f"={escape(a)}{_feedback_for(q, a)}" for a in key.get("answers", [])]
    for entry in key.get("partial", []):
        text = entry["text"]
        lines.append(f"={_percent(entry['credit'])}{escape(text)}{_feedback_for(q, text)}")
    for text in [*key.get("answers", []), *(e["text"] for e in key.get("partial", []))]:
        _check_answer(text, warn)
    if any("->" in line for line in lines):
        warn("an answer containing '->' reads back as a matching question in GIFT")
    return "\n" + "\n".join(lines)


def _numeric(q: ImportedQuestion, warn: Any) -> str:
    key = q.key
    accepted = key.get("answers") or [
        {"answer": key["answer"], "tolerance": key.get("tolerance", 0), "credit": 1}
    ]
    lines = []
    for entry in accepted:
        if "min" in entry:
            spec = f"{_num(entry['min'])}..{_num(entry['max'])}"
        else:
            spec = f"{_num(entry['answer'])}:{_num(entry.get('tolerance', 0))}"
        credit = float(entry.get("credit", 1))
        weight = _percent(credit) if credit != 1.0 else ""
        lines.append(f"={weight}{spec}{_feedback_for(q, numeric_spec(entry))}")
    wrong = q.feedback.get("incorrect")
    if wrong:
        lines.append(f"~#{escape(wrong)}")
    if "answers" not in key and not q.feedback.get("answers") and not wrong:
        # The short form `{#answer:tolerance}` reads back as the simple key.
        return "#" + lines[0].removeprefix("=")
    return "#\n" + "\n".join(lines)


def _matching(q: ImportedQuestion, warn: Any) -> str:
    choices = [o for o in q.options if o.get("role") == "choice"]
    by_id = {c["id"]: c for c in choices}
    used: set[str] = set()
    lines: list[str] = []
    if "weights" in q.key or q.key.get("scoring") == "all_or_nothing":
        warn("QTI matching scoring is written as GIFT's one share per pair")

    def distractors_before(choice_id: str | None) -> None:
        # Answers nobody matches are written where they first appeared among the answers, so
        # that reading back numbers the answers the same way.
        for choice in choices:
            if choice["id"] == choice_id:
                return
            if choice["id"] not in used and choice["id"] not in q.key["pairs"].values():
                used.add(choice["id"])
                lines.append(f"= -> {escape(choice['text'])}")

    for stem in (o for o in q.options if o.get("role") == "stem"):
        choice_id = q.key["pairs"].get(stem["id"])
        if choice_id not in by_id:
            warn(f"stem {stem['id']} has no answer; not exported")
            continue
        if choice_id not in used:
            distractors_before(choice_id)
            used.add(choice_id)
        left = _option_text(q, {**stem, "feedback": None}, warn)
        lines.append(f"={left} -> {escape(by_id[choice_id]['text'])}")
    distractors_before(None)
    return "\n" + "\n".join(lines)


def _essay(q: ImportedQuestion, warn: Any) -> str:
    return ""


_ANSWERS = {
    "single_choice": _choice,
    "multiple_choice": _choice,
    "true_false": _true_false,
    "short_answer": _short_answer,
    "numeric": _numeric,
    "matching": _matching,
    "essay": _essay,
}

"""Aiken: one-answer multiple choice, as Moodle reads it.

    What is the capital of France?
    A) Paris
    B. Lyon
    ANSWER: A

A question is its text lines, then options `A)` or `A.` (the space after the letter is
optional, as in Moodle's own fixture), then `ANSWER: X`. Anything that does not fit (options
before a question, a question with fewer than two options or no ANSWER line, an answer letter
that names no option) is skipped with a warning naming its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from app.banks.model import (
    BankImport,
    BankImportError,
    BankWarning,
    ImportedQuestion,
    assign_ids,
    clip_fields,
    decode_text,
)

FORMAT = "aiken"
MAX_BYTES = 64 * 1024**2

OPTION = re.compile(r"^([A-Z])[.)]\s*(.*)$")
ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


def looks_like_aiken(text: str) -> bool:
    """Whether text reads as Aiken: at least one option line followed later by `ANSWER: X`."""
    saw_option = False
    for raw in text.splitlines():
        line = raw.strip()
        if OPTION.match(line):
            saw_option = True
        elif saw_option and re.match(r"^ANSWER\s*:\s*[A-Z]\s*$", line, re.IGNORECASE):
            return True
    return False


def read_aiken(path: Path) -> BankImport:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BankImportError(path.name, f"file is {size} bytes; the limit is {MAX_BYTES}")
    return parse_aiken(decode_text(path.read_bytes(), path.name), path.name)


@dataclass
class _Pending:
    line: int
    text: list[str]
    options: list[tuple[str, str]] = field(default_factory=list)


def parse_aiken(text: str, source_name: str) -> BankImport:
    bank = BankImport(source_name=source_name, format=FORMAT)
    warn = bank.warnings.append
    pending: _Pending | None = None

    def unfinished(p: _Pending) -> None:
        warn(BankWarning(p.line, f"question {_short(p)!r} has no ANSWER line; skipped"))

    for number, raw in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        option = OPTION.match(line)
        answer = ANSWER.match(line)
        if answer:
            if pending is None:
                warn(BankWarning(number, "ANSWER line without a question; skipped"))
                continue
            question = _finish(pending, answer.group(1).strip(), number, bank.warnings)
            if question is not None:
                bank.questions.append(question)
            pending = None
        elif option and (pending is None or pending.options or _is_option_start(option)):
            if pending is None:
                warn(BankWarning(number, f"option {line[:40]!r} before any question; skipped"))
                continue
            pending.options.append((option.group(1), option.group(2).strip()))
        elif pending is not None and not pending.options:
            pending.text.append(line)  # a question text on several lines
        else:
            if pending is not None:
                unfinished(pending)
            pending = _Pending(number, [line])
    if pending is not None:
        unfinished(pending)
    if not bank.questions:
        # An Aiken file with no readable question is almost always another kind of file;
        # storing an empty bank would only hide that.
        first = f" ({bank.warnings[0]})" if bank.warnings else ""
        raise BankImportError(source_name, f"not an Aiken file: no questions found{first}")
    assign_ids(bank, FORMAT)
    clip_fields(bank)
    return bank


def _is_option_start(option: re.Match[str]) -> bool:
    # While a question has no options yet, only an `A` line starts them; "B. Smith wrote..."
    # on the second line of a question's text stays text.
    return option.group(1) == "A"


def _finish(
    pending: _Pending, letter_text: str, line: int, warnings: list[BankWarning]
) -> ImportedQuestion | None:
    if len(pending.options) < 2:
        warnings.append(
            BankWarning(
                line,
                f"question {_short(pending)!r} has {len(pending.options)} option(s); "
                "at least 2 are needed; skipped",
            )
        )
        return None
    letters = [letter for letter, _ in pending.options]
    letter = letter_text[:1].upper()
    if len(letter_text.strip()) != 1 or letter not in letters:
        warnings.append(
            BankWarning(
                line,
                f"ANSWER {letter_text!r} of question {_short(pending)!r} names no option; skipped",
            )
        )
        return None
    if len(set(letters)) != len(letters):
        warnings.append(
            BankWarning(
                pending.line, f"question {_short(pending)!r} uses an option letter twice; skipped"
            )
        )
        return None
    options = [{"id": lt.lower(), "text": text} for lt, text in pending.options]
    return ImportedQuestion(
        type="single_choice",
        prompt="\n".join(pending.text),
        prompt_format="plain",
        options=options,
        key={"answer": letter.lower()},
        source_line=pending.line,
    )


def _short(pending: _Pending) -> str:
    text = " ".join(pending.text)
    return text if len(text) <= 40 else text[:39] + "…"

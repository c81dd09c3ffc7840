"""The importer-neutral question model every bank reader produces.

A question's `type` is the stored type (the one `app.assess` grades); its `kind` is the coarser
family used for counting, with the names of the shared corpus' expected.json. `key` holds what
`app.assess.grade_response(type, key, response)` needs; essays and descriptions have none.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Stored type -> counted kind. `ordering` (QTI order interactions) has no GIFT or Aiken form and
# is absent from the corpus; it is counted under its own name.
KIND_OF_TYPE: dict[str, str] = {
    "single_choice": "choice",
    "multiple_choice": "choice",
    "true_false": "true_false",
    "short_answer": "short_text",
    "numeric": "numeric",
    "matching": "matching",
    "essay": "essay",
    "description": "description",
    "ordering": "ordering",
}
KINDS: tuple[str, ...] = tuple(dict.fromkeys(KIND_OF_TYPE.values()))

# Same rule as ids in course packages (docs/course-format.md).
VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TITLE = 300
MAX_CATEGORY = 500


class BankImportError(Exception):
    """A file that cannot be imported at all; str() names the file (and line) and the problem."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        where = f"{file}: line {line}: " if line is not None else f"{file}: "
        super().__init__(where + message)
        self.file = file
        self.line = line
        self.message = message


class NothingToImportError(BankImportError):
    """Every question of a file was skipped: the file is refused as a whole.

    `warnings` (each with its line) say why; nothing is stored. A file with no question-like
    content at all is refused earlier, by its reader.
    """

    def __init__(self, bank: BankImport) -> None:
        n = len(bank.warnings)
        if n:
            says = "1 warning says" if n == 1 else f"{n} warnings say"
            why = f"every question was skipped ({says} why)"
        else:
            why = "the file holds no questions"
        super().__init__(bank.source_name, f"nothing to import: {why}")
        self.warnings = list(bank.warnings)


def check_importable(bank: BankImport) -> None:
    """Refuse (NothingToImportError) a bank with no question: an empty bank is never stored."""
    if not bank.questions:
        raise NothingToImportError(bank)


@dataclass(frozen=True)
class BankWarning:
    """Something that was not carried over (or was changed) while importing."""

    line: int | None
    message: str
    # Set when the line belongs to another file than the one imported (a QTI item in a package).
    file: str = ""

    def as_dict(self) -> dict[str, Any]:
        message = f"{self.file}: {self.message}" if self.file else self.message
        return {"line": self.line, "message": message}

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        where += f"line {self.line}: " if self.line is not None else ""
        return where + self.message


@dataclass
class ImportedQuestion:
    type: str
    prompt: str
    key: dict[str, Any] = field(default_factory=dict)
    # Choice options [{"id", "text", "feedback"?, "format"?}]; matching: the same with
    # "role": "stem" | "choice"; ordering: the items to put in order.
    options: list[dict[str, Any]] = field(default_factory=list)
    # {"general", "correct", "incorrect", "answers": [{"answer", "feedback"}]}, each optional.
    feedback: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    question_id: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    prompt_format: str = "markdown"
    points: float = 1.0
    source_line: int | None = None

    @property
    def kind(self) -> str:
        return KIND_OF_TYPE[self.type]


@dataclass
class BankImport:
    source_name: str
    format: str
    questions: list[ImportedQuestion] = field(default_factory=list)
    categories: int = 0
    warnings: list[BankWarning] = field(default_factory=list)

    def kinds(self) -> dict[str, int]:
        counts = Counter(q.kind for q in self.questions)
        return {kind: counts[kind] for kind in KINDS if counts[kind]}

    def summary(self) -> dict[str, Any]:
        """The `slate bank import --json` figures."""
        return {
            "questions": len(self.questions),
            "kinds": self.kinds(),
            "categories": self.categories,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def assign_ids(bank: BankImport, prefix: str) -> None:
    """Give every question a unique, valid, stable id.

    An id the file gave (Moodle's `[id:...]`, a QTI identifier) is kept when valid and unique;
    otherwise, and for questions without one, the id is derived from the question's content so
    that importing the same file again yields the same ids.
    """
    seen: set[str] = set()
    for question in bank.questions:
        wanted = question.question_id
        if wanted and not VALID_ID.match(wanted):
            fixed = re.sub(r"[^A-Za-z0-9._-]+", "-", wanted).strip("-._")[:64]
            bank.warnings.append(
                BankWarning(
                    question.source_line,
                    f"id {wanted!r} is not a valid id (1-64 of A-Z a-z 0-9 . _ -); "
                    f"using {fixed or 'a generated id'!r}",
                )
            )
            wanted = fixed if fixed and VALID_ID.match(fixed) else ""
        if wanted and wanted in seen:
            bank.warnings.append(
                BankWarning(question.source_line, f"id {wanted!r} is used twice; renamed")
            )
        if not wanted:
            digest = hashlib.sha1(
                "\x1f".join(
                    (question.category, question.title, question.type, question.prompt)
                ).encode()
            ).hexdigest()[:10]
            wanted = f"{prefix}-{digest}"
        unique, n = wanted, 2
        while unique in seen:
            suffix = f"-{n}"
            unique = wanted[: 64 - len(suffix)] + suffix
            n += 1
        seen.add(unique)
        question.question_id = unique


def clip_fields(bank: BankImport) -> None:
    """Titles and categories longer than the store keeps are cut, with a warning."""
    for q in bank.questions:
        if len(q.title) > MAX_TITLE:
            bank.warnings.append(BankWarning(q.source_line, f"title cut to {MAX_TITLE} characters"))
            q.title = q.title[:MAX_TITLE]
        if len(q.category) > MAX_CATEGORY:
            bank.warnings.append(
                BankWarning(q.source_line, f"category cut to {MAX_CATEGORY} characters")
            )
            q.category = q.category[:MAX_CATEGORY]


_TAG = re.compile(r"<[^>]*>")


def plain_excerpt(text: str, prompt_format: str = "plain", limit: int = 100) -> str:
    """One line of readable text from a prompt, for previews and lists."""
    if prompt_format == "html":
        text = html.unescape(_TAG.sub(" ", text))
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 text with or without a BOM, line ends made `\\n`; invalid UTF-8 names its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankImportError(
            file, "not valid UTF-8 text (save the file as UTF-8 and import it again)", line
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def number(value: float) -> int | float:
    """An integral float as an int, so keys and exports read `1822`, not `1822.0`."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def numeric_spec(entry: dict[str, Any]) -> str:
    """How a numerical answer reads in GIFT (`2006:1`, `1..5`): names it for its feedback."""
    if "min" in entry:
        return f"{number(float(entry['min']))!r}..{number(float(entry['max']))!r}"
    tolerance = number(float(entry.get("tolerance", 0)))
    return f"{number(float(entry['answer']))!r}:{tolerance!r}"

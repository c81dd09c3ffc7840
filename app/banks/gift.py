"""Moodle GIFT question banks.

Follows Moodle's own reader (question/format/gift/format.php) where it is specific, so files
exported from Moodle come back as Moodle would read them:

- Questions are separated by blank lines, except inside an answer block `{...}`. Lines starting
  with `//` are comments; `// [id:X] [tag:Y]` comments before a question give its id and tags.
- `$CATEGORY: path` sets the category of the questions that follow.
- `::title::`, then an optional `[html]`, `[markdown]`, `[plain]` or `[moodle]` text format.
- The answer block decides the type, in Moodle's order: empty -> essay; `#...` -> numerical
  (`=` answers; `~#feedback` for any other answer: what Moodle ignores after a `~` is kept
  when it is a weighted answer, and either way named in a warning);
  any `~` -> multiple choice (single answer when some answer starts with `=`, else several
  answers with their `%weight%`); `=` with `->` -> matching; `T`/`TRUE`/`F`/`FALSE` ->
  true/false; otherwise short answer. No block at all -> description.
- An answer block in mid-text makes a "missing word" question: the prompt reads `_____` there.
- `####` starts the general feedback, `#` an answer's feedback; `\\~ \\= \\# \\{ \\} \\: \\\\`
  escape those characters and `\\n` is a line break.

Structural damage (an unclosed or stray brace) refuses the file, naming the line; a single
question that cannot be read is skipped with a warning naming its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from string import ascii_lowercase
from typing import Any

from app.banks.model import (
    BankImport,
    BankImportError,
    BankWarning,
    ImportedQuestion,
    assign_ids,
    clip_fields,
    decode_text,
    number,
    numeric_spec,
)

FORMAT = "gift"
MAX_BYTES = 64 * 1024**2

# Escaped characters become private-use placeholders while parsing, so that `\=` never splits
# an answer and `\{` never opens a block; they are turned back into text at the very end.
_ESCAPES = {
    "\\": "\U000f0000",
    "~": "\U000f0001",
    "=": "\U000f0002",
    "#": "\U000f0003",
    "{": "\U000f0004",
    "}": "\U000f0005",
    ":": "\U000f0006",
    "n": "\U000f0007",
}
_UNESCAPE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")
_UNESCAPE_RE = re.compile("[" + "".join(_UNESCAPE) + "]")

_FORMAT_MARK = re.compile(r"\s*\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d*)?|-?\.\d+)%")
_ID_TAG = re.compile(r"\[(id|tag):([^\]]*)\]")
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_MARKERS = {m: re.compile("[" + re.escape(m) + "]") for m in ("~=", "=")}
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
# Moodle's "moodle auto-format" is plain text with line breaks kept.
_STORED_FORMAT = {"html": "html", "markdown": "markdown", "plain": "plain", "moodle": "plain"}


def read_gift(path: Path) -> BankImport:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BankImportError(path.name, f"file is {size} bytes; the limit is {MAX_BYTES}")
    return parse_gift(decode_text(path.read_bytes(), path.name), path.name)


def parse_gift(text: str, source_name: str) -> BankImport:
    """Parse GIFT text (already decoded) into a BankImport, or raise BankImportError."""
    bank = BankImport(source_name=source_name, format=FORMAT)
    text = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(1)], text.lstrip("\ufeff"))
    chunks = list(_split_chunks(text.split("\n"), source_name))
    if not any("{" in chunk.text for chunk in chunks if chunk.category is None):
        raise BankImportError(source_name, "not a GIFT question bank: no answer blocks")
    category = ""
    categories: set[str] = set()
    for chunk in chunks:
        if chunk.category is not None:
            category = _clean(chunk.category)
            categories.add(category)
            continue
        reader = _QuestionReader(chunk, bank.warnings)
        question = reader.read()
        if question is None:
            continue
        question.category = category
        bank.questions.append(question)
    bank.categories = len(categories)
    assign_ids(bank, FORMAT)
    clip_fields(bank)
    return bank


# -- splitting into questions -------------------------------------------------------------------


@dataclass
class _Chunk:
    """The lines of one question (comments blanked so offsets still map to lines)."""

    first_line: int
    text: str = ""
    ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    category: str | None = None

    def line_at(self, offset: int) -> int:
        return self.first_line + self.text.count("\n", 0, max(offset, 0))


def _split_chunks(lines: list[str], source_name: str) -> Iterator[_Chunk]:
    body: list[str] = []
    comments: list[str] = []
    first = 0
    open_line = 0  # the line of the `{` still open, or 0

    def flush() -> Iterator[_Chunk]:
        nonlocal body, comments
        if any(line.strip() for line in body):
            chunk = _Chunk(first, "\n".join(body))
            for comment in comments:
                for what, value in _ID_TAG.findall(_unescape(comment)):
                    (chunk.ids if what == "id" else chunk.tags).append(value.strip())
            yield chunk
        body, comments = [], []

    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line and not open_line:
            yield from flush()
            continue
        if line.startswith("//"):
            # A comment is blanked, not removed, so a question's text still maps to its lines.
            if not body:
                first = line_no
            body.append("")
            comments.append(line)
            continue
        if not open_line and line.startswith("$CATEGORY:"):
            yield from flush()
            yield _Chunk(line_no, category=line[len("$CATEGORY:") :].strip())
            continue
        for ch in line:
            if ch == "{":
                if open_line:
                    raise BankImportError(
                        source_name,
                        f"'{{' is not closed before the next '{{' on line {line_no} "
                        "(write \\{ for a literal brace)",
                        open_line,
                    )
                open_line = line_no
            elif ch == "}":
                if not open_line:
                    raise BankImportError(
                        source_name,
                        "'}' without an opening '{' (write \\} for a literal brace)",
                        line_no,
                    )
                open_line = 0
        if not body:
            first = line_no
        body.append(line)
    if open_line:
        raise BankImportError(source_name, "'{' is never closed", open_line)
    yield from flush()


# -- one question -------------------------------------------------------------------------------


class _Skip(Exception):
    """This question cannot be read; the message says why (it becomes a warning)."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class _QuestionReader:
    def __init__(self, chunk: _Chunk, warnings: list[BankWarning]) -> None:
        self.chunk = chunk
        self.warnings = warnings
        self.text_format = "moodle"
        self.block_offset = 0  # where the answer block's text starts in the chunk

    def warn(self, message: str, offset: int | None = None) -> None:
        line = self.chunk.line_at(offset) if offset is not None else self.start_line
        self.warnings.append(BankWarning(line, message))

    @property
    def start_line(self) -> int:
        text = self.chunk.text
        return self.chunk.line_at(len(text) - len(text.lstrip()))

    def read(self) -> ImportedQuestion | None:
        try:
            question = self._read()
        except _Skip as skip:
            self.warn(f"question skipped: {skip}", skip.offset)
            return None
        self._check_media(question)
        return question

    def _read(self) -> ImportedQuestion:
        text = self.chunk.text
        pos = len(text) - len(text.lstrip())
        title = ""
        if text.startswith("::", pos):
            end = text.find("::", pos + 2)
            if end < 0:
                raise _Skip("the title is not closed with '::'", pos)
            title = _clean(text[pos + 2 : end])
            pos = end + 2
        mark = _FORMAT_MARK.match(text, pos)
        if mark:
            self.text_format = mark.group(1).lower()
            pos = mark.end()
        start = text.find("{", pos)
        question = ImportedQuestion(
            type="description",
            prompt="",
            title=title,
            prompt_format=_STORED_FORMAT[self.text_format],
            source_line=self.start_line,
            question_id=self.chunk.ids[0] if self.chunk.ids else "",
            tags=self.chunk.tags,
        )
        if len(self.chunk.ids) > 1:
            self.warn(f"several [id:] comments; using the first ({self.chunk.ids[0]})")
        if start < 0:
            question.prompt = _clean(text[pos:])
            if not question.prompt:
                raise _Skip("no question text")
            return question
        finish = text.find("}", start)
        if text.find("{", finish) >= 0:
            raise _Skip(
                "more than one answer block (GIFT has one per question; write \\{ for a "
                "literal brace)",
                text.find("{", finish),
            )
        before, after = text[pos:start], text[finish + 1 :]
        # Moodle: a block in mid-text is a missing word, shown as a blank.
        prompt = before + "_____" + after if after.strip() else before
        question.prompt = _clean(prompt)
        self.block_offset = start + 1
        answers = text[start + 1 : finish]
        general = answers.find("####")
        if general >= 0:
            if _clean(answers[general + 4 :]):
                question.feedback["general"] = _clean(answers[general + 4 :])
            answers = answers[:general]
        self._read_answers(question, answers)
        if not question.prompt:
            raise _Skip("no question text", start)
        return question

    def _read_answers(self, q: ImportedQuestion, block: str) -> None:
        answers = block.strip()
        if not answers:
            q.type = "essay"
        elif answers.startswith("#"):
            self._numeric(q, block)
        elif "~" in answers:
            self._choice(q, block)
        elif "=" in answers and "->" in answers:
            self._matching(q, block)
        elif answers.split("#", 1)[0].strip().upper() in _TRUE_FALSE:
            self._true_false(q, answers)
        else:
            self._short_answer(q, block)

    def _split_answers(
        self, block: str, markers: str, *, base: int | None = None, warn_lead: bool = False
    ) -> list[tuple[str, str, int]]:
        """Each answer as (marker, text after it, offset of the marker in the chunk text)."""
        base = self.block_offset if base is None else base
        parts: list[tuple[str, str, int]] = []
        cuts = [m.start() for m in _MARKERS[markers].finditer(block)]
        lead = block[: cuts[0]] if cuts else block
        if lead.strip():
            # Moodle keeps text before the first marker as one more answer.
            if warn_lead:
                self.warn(
                    f"text {_clean(lead)[:40]!r} before the first {' or '.join(markers)} is "
                    "read as an answer",
                    base,
                )
            parts.append(("", lead, base))
        for i, cut in enumerate(cuts):
            end = cuts[i + 1] if i + 1 < len(cuts) else len(block)
            parts.append((block[cut], block[cut + 1 : end], base + cut))
        return parts

    def _weight(self, text: str, default: float, offset: int) -> tuple[float, str]:
        match = _WEIGHT.match(text)
        if not match:
            return default, text
        credit = round(float(match.group(1)) / 100, 10)
        if not -1.0 <= credit <= 1.0:
            raise _Skip(f"weight %{match.group(1)}% is outside -100..100", offset)
        return credit, text[match.end() :]

    def _text_and_feedback(self, text: str) -> tuple[str, str | None]:
        if "#" in text:
            answer, feedback = text.split("#", 1)
            return answer, _clean(feedback)
        return text, None

    def _own_format(self, text: str) -> tuple[str, str | None]:
        match = _FORMAT_MARK.match(text)
        if not match:
            return text, None
        own = _STORED_FORMAT[match.group(1).lower()]
        return text[match.end() :], own

    def _choice(self, q: ImportedQuestion, block: str) -> None:
        single = "=" in block
        options: list[dict[str, Any]] = []
        weights: dict[str, float] = {}
        for i, (marker, body, offset) in enumerate(
            self._split_answers(block, "~=", warn_lead=True)
        ):
            credit, rest = self._weight(body, 1.0 if marker == "=" else 0.0, offset)
            text, feedback = self._text_and_feedback(rest)
            text, own_format = self._own_format(text)
            option: dict[str, Any] = {"id": _option_id(i), "text": _clean(text)}
            if feedback:
                option["feedback"] = feedback
            if own_format and own_format != q.prompt_format:
                option["format"] = own_format
            if not option["text"]:
                self.warn("an empty answer is kept as an option", offset)
            options.append(option)
            if credit:
                weights[option["id"]] = number(credit)
        q.options = options
        if single:
            q.type = "single_choice"
            best = max(options, key=lambda o: weights.get(o["id"], 0.0))
            if weights.get(best["id"], 0.0) != 1.0:
                # Moodle refuses such a question too: the right answer must earn full credit.
                raise _Skip("no answer gives full credit (one answer must be = or %100%)")
            q.key = {"answer": best["id"]}
            if any(w != 1.0 for w in weights.values()) or len(weights) > 1:
                q.key["weights"] = weights
        else:
            q.type = "multiple_choice"
            correct = [o["id"] for o in options if weights.get(o["id"], 0.0) > 0]
            if not correct:
                raise _Skip("no answer gives any credit (mark one with = or %50%)")
            q.key = {
                "answer": correct,
                "scoring": "weighted",
                "weights": weights,
                "option_ids": [o["id"] for o in options],
            }

    def _true_false(self, q: ImportedQuestion, answers: str) -> None:
        head, _, rest = answers.partition("#")
        q.type = "true_false"
        q.key = {"answer": _TRUE_FALSE[head.strip().upper()]}
        if rest or "#" in answers:
            # Moodle: the first feedback is shown for a wrong answer, the second for a right one.
            parts = rest.split("#")
            if parts[0].strip():
                q.feedback["incorrect"] = _clean(parts[0])
            if len(parts) > 1 and parts[1].strip():
                q.feedback["correct"] = _clean(parts[1])
            if len(parts) > 2:
                self.warn("true/false takes two feedbacks (wrong#right); the rest is dropped")

    def _short_answer(self, q: ImportedQuestion, block: str) -> None:
        q.type = "short_answer"
        full: list[str] = []
        partial: list[dict[str, Any]] = []
        feedbacks: list[dict[str, str]] = []
        for _marker, body, offset in self._split_answers(block, "="):
            credit, rest = self._weight(body, 1.0, offset)
            text, feedback = self._text_and_feedback(rest)
            answer = _clean(text)
            if not answer:
                self.warn("an empty answer is ignored", offset)
                continue
            if credit == 1.0:
                full.append(answer)
            else:
                partial.append({"text": answer, "credit": number(credit)})
            if feedback:
                feedbacks.append({"answer": answer, "feedback": feedback})
        if not full and not partial:
            raise _Skip("a short answer question needs at least one answer")
        q.key = {"answers": full, "case_sensitive": False}
        if partial:
            q.key["partial"] = partial
        if any("*" in a for a in full) or any("*" in p["text"] for p in partial):
            # Moodle reads `*` in a short answer as "any characters".
            q.key["wildcards"] = True
        if not full:
            self.warn("no answer gives full credit")
        if feedbacks:
            q.feedback["answers"] = feedbacks

    def _numeric(self, q: ImportedQuestion, block: str) -> None:
        """`=` answers are accepted (with their `%weight%`); `~` is Moodle's "any other
        answer" branch: its `#feedback` is the feedback for a wrong answer. Moodle ignores
        whatever else follows a `~`; here a `~` answer that gives credit is kept (with a
        warning, since Moodle would not keep it) and anything else is named in a warning."""
        q.type = "numeric"
        hash_at = block.index("#")
        body = block[hash_at + 1 :]
        base = self.block_offset + hash_at + 1
        accepted: list[dict[str, Any]] = []
        feedbacks: list[dict[str, str]] = []
        after_tilde = False
        for marker, text, offset in self._numeric_parts(body, base):
            if marker == "~":
                after_tilde = True
                self._numeric_other(q, text, offset, accepted, feedbacks)
                continue
            if not text.strip():
                continue
            credit, rest = self._weight(text, 1.0, offset)
            spec, feedback = self._text_and_feedback(rest)
            spec = _unescape(spec).strip()
            if spec == "*":
                if credit:
                    self.warn("a '*' numerical answer with credit is not carried over", offset)
                elif feedback:
                    q.feedback["incorrect"] = feedback
                continue
            entry = self._numeric_answer(spec, credit, offset)
            accepted.append(entry)
            if after_tilde:
                self.warn(
                    f"answer '={_clean(text.split('#', 1)[0])[:40]}' after a '~' is kept "
                    "(Moodle would read it as part of the '~' feedback)",
                    offset,
                )
            if feedback:
                feedbacks.append({"answer": numeric_spec(entry), "feedback": feedback})
        if not accepted:
            raise _Skip("a numerical question needs at least one answer", base)
        if len(accepted) == 1 and accepted[0].get("credit") == 1 and "answer" in accepted[0]:
            # The simple form is the one course quizzes use too.
            q.key = {"answer": accepted[0]["answer"], "tolerance": accepted[0]["tolerance"]}
        else:
            q.key = {"answers": accepted}
        if feedbacks:
            q.feedback["answers"] = feedbacks

    def _numeric_parts(self, body: str, base: int) -> list[tuple[str, str, int]]:
        """The answers of a numerical block. Moodle reads everything after a `~` as feedback,
        so an unescaped `=` in a `~`'s feedback that is followed by no number stays text."""
        parts: list[tuple[str, str, int]] = []
        for marker, text, offset in self._split_answers(body, "~=", base=base):
            if parts and marker == "=" and parts[-1][0] == "~" and "#" in parts[-1][1]:
                spec = _unescape(self._weight(text, 1.0, offset)[1].split("#", 1)[0]).strip()
                if not _is_numeric_spec(spec):
                    self.warn(
                        "an unescaped '=' in the feedback after '~' is read as text (write "
                        "\\= for a literal '=')",
                        offset,
                    )
                    prev = parts[-1]
                    parts[-1] = (prev[0], prev[1] + "=" + text, prev[2])
                    continue
            parts.append((marker, text, offset))
        return parts

    def _numeric_other(
        self,
        q: ImportedQuestion,
        text: str,
        offset: int,
        accepted: list[dict[str, Any]],
        feedbacks: list[dict[str, str]],
    ) -> None:
        """One `~...` of a numerical question (see `_numeric`)."""
        credit, rest = self._weight(text, 0.0, offset)
        raw, feedback = self._text_and_feedback(rest)
        spec = _unescape(raw).strip()
        shown = _clean(text.split("#", 1)[0])[:40]
        if spec and spec != "*" and _is_numeric_spec(spec) and credit > 0:
            entry = self._numeric_answer(spec, credit, offset)
            accepted.append(entry)
            self.warn(
                f"'~{shown}' is read as an answer worth {number(round(credit * 100, 8))}% "
                f"(Moodle ignores answers after '~' in a numerical question; write "
                f"'={shown}' instead)",
                offset,
            )
            if feedback:
                feedbacks.append({"answer": numeric_spec(entry), "feedback": feedback})
            return
        if spec == "*" or not spec:
            if credit:
                self.warn(
                    f"the weight of '~{shown}' (any other answer) is not carried over: an "
                    "answer not listed earns nothing",
                    offset,
                )
        elif _is_numeric_spec(spec):
            self.warn(
                f"'~{shown}' is not kept as an answer: it earns no credit, as does any "
                "answer not listed",
                offset,
            )
        else:
            self.warn(
                f"text {spec[:40]!r} after '~' is not a numerical answer and is not carried "
                "over (write ~#feedback for the feedback on a wrong answer)",
                offset,
            )
        if not feedback:
            return
        if q.feedback.get("incorrect") and q.feedback["incorrect"] != feedback:
            self.warn(
                f"a second feedback for a wrong answer ({feedback[:40]!r}) is not carried over",
                offset,
            )
            return
        q.feedback["incorrect"] = feedback

    def _numeric_answer(self, spec: str, credit: float, offset: int) -> dict[str, Any]:
        try:
            if ".." in spec and ":" not in spec:
                low, high = (float(x) for x in spec.split("..", 1))
                if low > high:
                    low, high = high, low
                return {"min": number(low), "max": number(high), "credit": number(credit)}
            value, _, tolerance = spec.partition(":")
            return {
                "answer": number(float(value)),
                "tolerance": number(abs(float(tolerance))) if tolerance.strip() else 0,
                "credit": number(credit),
            }
        except ValueError:
            raise _Skip(f"numerical answer {spec!r} is not a number", offset) from None

    def _matching(self, q: ImportedQuestion, block: str) -> None:
        q.type = "matching"
        stems: list[dict[str, Any]] = []
        choices: dict[str, dict[str, Any]] = {}
        pairs: dict[str, str] = {}
        for _marker, body, offset in self._split_answers(block, "="):
            if not body.strip():
                continue
            if "->" not in body:
                raise _Skip("a matching pair needs 'question -> answer'", offset)
            left, right = body.split("->", 1)
            left, own_format = self._own_format(left)
            left, answer = _clean(left), _clean(right)
            if not answer:
                raise _Skip("a matching pair has no answer after '->'", offset)
            choice = choices.get(answer)
            if choice is None:
                choice = {"id": f"c{len(choices) + 1}", "text": answer, "role": "choice"}
                choices[answer] = choice
            if not left:
                continue  # `= -> answer`: an extra wrong answer to choose from
            stem: dict[str, Any] = {"id": f"s{len(stems) + 1}", "text": left, "role": "stem"}
            if own_format and own_format != q.prompt_format:
                stem["format"] = own_format
            stems.append(stem)
            pairs[stem["id"]] = choice["id"]
        if not stems:
            raise _Skip("a matching question needs at least one pair")
        q.options = stems + list(choices.values())
        q.key = {"pairs": pairs}

    def _check_media(self, q: ImportedQuestion) -> None:
        texts = [q.prompt, q.feedback.get("general", "")]
        texts += [o.get("text", "") + o.get("feedback", "") for o in q.options]
        found = sorted({name for t in texts for name in _PLUGINFILE.findall(t)})
        if found:
            self.warn(
                "file(s) "
                + ", ".join(found)
                + " are not in the GIFT file (Moodle exports them separately); they will "
                "show as missing images"
            )


def _is_numeric_spec(spec: str) -> bool:
    """Whether `spec` reads as a GIFT numerical answer (`5`, `3.14:0.01`, `1..5`)."""
    if ".." in spec and ":" not in spec:
        parts = spec.split("..", 1)
    else:
        value, _, tolerance = spec.partition(":")
        parts = [value, tolerance] if tolerance.strip() else [value]
    try:
        for part in parts:
            float(part)
    except ValueError:
        return False
    return True


def _option_id(index: int) -> str:
    return ascii_lowercase[index] if index < len(ascii_lowercase) else f"o{index + 1}"


def _unescape(text: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPE[m.group(0)], text)


def _clean(text: str) -> str:
    """Text of the file as the author meant it: escapes resolved, outer space trimmed."""
    return _unescape(text.strip()).strip()

"""Short text answers: trimmed, spaces folded, case folded unless the author asks otherwise.

Course quiz keys may add `accent_insensitive: true` ("élève" == "eleve") and `regex`: a pattern
the whole normalised answer must match (case-insensitive unless `case_sensitive`). Patterns are
checked when the course is imported (`compile_answer_pattern`), are at most
`MAX_PATTERN_LENGTH` characters, and run with a timeout on an answer of bounded length, so an
author's pattern cannot hang grading.

Keys from imported banks may add `partial`: `[{"text", "credit", "case_sensitive"?}]` for
answers worth part of the points (GIFT `=%75%Nazereth`, QTI mappings), and `wildcards: true`,
where `*` in an accepted answer matches any characters (Moodle's short-answer rule).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import regex

MAX_PATTERN_LENGTH = 300
# Longer answers are never matched against a pattern: a short answer is short.
MAX_MATCHED_ANSWER_LENGTH = 1000
MATCH_TIMEOUT_S = 0.2


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


def normalise_text(
    text: str, *, case_sensitive: bool = False, accent_insensitive: bool = False
) -> str:
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    if accent_insensitive:
        folded = strip_accents(folded)
    return folded if case_sensitive else folded.casefold()


def compile_answer_pattern(pattern: str, *, case_sensitive: bool = False) -> regex.Pattern[str]:
    """The compiled pattern, or ValueError saying why it cannot be used."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(
            f"the pattern is {len(pattern)} characters long; at most {MAX_PATTERN_LENGTH} allowed"
        )
    flags = regex.V0 | (0 if case_sensitive else regex.IGNORECASE | regex.FULLCASE)
    try:
        return regex.compile(pattern, flags)
    except regex.error as exc:
        raise ValueError(
            f"the pattern {pattern!r} is not a valid regular expression: {exc}"
        ) from None


def _matches_pattern(key: dict[str, Any], response: str, sensitive: bool, accents: bool) -> bool:
    given = " ".join(unicodedata.normalize("NFC", response).split())
    if accents:
        given = strip_accents(given)
    if len(given) > MAX_MATCHED_ANSWER_LENGTH:
        return False
    try:
        compiled = compile_answer_pattern(str(key["regex"]), case_sensitive=sensitive)
        return compiled.fullmatch(given, timeout=MATCH_TIMEOUT_S) is not None
    except (ValueError, TimeoutError):
        # A pattern that cannot run grants nothing; import refuses bad patterns anyway.
        return False


def _matches(given: str, accepted: str, *, case_sensitive: bool, wildcards: bool) -> bool:
    expected = normalise_text(accepted, case_sensitive=case_sensitive)
    if wildcards and "*" in expected:
        pattern = ".*".join(re.escape(part) for part in expected.split("*"))
        return re.fullmatch(pattern, given, re.DOTALL) is not None
    return given == expected


def grade_short_answer(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, str):
        return 0.0
    sensitive = bool(key.get("case_sensitive", False))
    accents = bool(key.get("accent_insensitive", False))
    wildcards = bool(key.get("wildcards", False))
    given = normalise_text(response, case_sensitive=sensitive, accent_insensitive=accents)
    if not given:
        return 0.0
    if not wildcards and "partial" not in key:
        accepted = {
            normalise_text(a, case_sensitive=sensitive, accent_insensitive=accents)
            for a in key.get("answers", [])
        }
        if given in accepted:
            return 1.0
        return (
            1.0 if key.get("regex") and _matches_pattern(key, response, sensitive, accents) else 0.0
        )
    if any(
        _matches(given, a, case_sensitive=sensitive, wildcards=wildcards) for a in key["answers"]
    ):
        return 1.0
    best = 0.0
    for entry in key.get("partial", []):
        entry_sensitive = bool(entry.get("case_sensitive", sensitive))
        mine = normalise_text(response, case_sensitive=entry_sensitive)
        if _matches(mine, entry["text"], case_sensitive=entry_sensitive, wildcards=wildcards):
            best = max(best, float(entry["credit"]))
    return max(0.0, min(1.0, best))

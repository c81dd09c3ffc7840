"""Short text answers: trimmed, spaces folded, case folded unless the author asks otherwise.

Keys from imported banks may add `partial`: `[{"text", "credit", "case_sensitive"?}]` for
answers worth part of the points (GIFT `=%75%Nazereth`, QTI mappings), and `wildcards: true`,
where `*` in an accepted answer matches any characters (Moodle's short-answer rule).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    return folded if case_sensitive else folded.casefold()


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
    wildcards = bool(key.get("wildcards", False))
    given = normalise_text(response, case_sensitive=sensitive)
    if not given:
        return 0.0
    if not wildcards and "partial" not in key:
        accepted = {normalise_text(a, case_sensitive=sensitive) for a in key["answers"]}
        return 1.0 if given in accepted else 0.0
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

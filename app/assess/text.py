"""Short text answers: trimmed, spaces folded, case folded unless the author asks otherwise."""

from __future__ import annotations

import unicodedata
from typing import Any


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    return folded if case_sensitive else folded.casefold()


def grade_short_answer(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, str):
        return 0.0
    sensitive = bool(key.get("case_sensitive", False))
    given = normalise_text(response, case_sensitive=sensitive)
    accepted = {normalise_text(a, case_sensitive=sensitive) for a in key["answers"]}
    return 1.0 if given and given in accepted else 0.0

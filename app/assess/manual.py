"""Question types a person grades: essay, file upload, drawing and code.

`grade_response` refuses them (`NotAutoGraded`); these helpers describe and check responses:
- essay: the text; `count_words` is the count the widget shows against the word limit;
- file upload: `{"sha256", "name", "size", "mime"}`, the file kept in the content store
  (app.media_store) and checked against the question's limits with `upload_problem`;
- drawing: the same reference, to a PNG;
- code: `{"language": name, "code": text}`.
"""

from __future__ import annotations

import re
from typing import Any

MANUAL_TYPES = ("essay", "file_upload", "drawing", "code")

# A word is a run of letters, digits, apostrophes or hyphens: "don't" and "well-known" count once,
# punctuation on its own counts never.
_WORD = re.compile(r"[\w'’-]+")


def count_words(text: str) -> int:
    return sum(1 for w in _WORD.findall(text) if any(c.isalnum() for c in w))


def essay_problem(text: str, *, word_limit: int | None) -> str | None:
    """Why this essay may not be handed in yet, or None. Saving is never refused (a draft over
    the limit is still the learner's work); only a submit the learner chose is."""
    if word_limit is None:
        return None
    words = count_words(text)
    if words <= word_limit:
        return None
    return f"{words} words, {words - word_limit} over the limit of {word_limit}"


def upload_problem(
    name: str, size: int, *, max_bytes: int | None, accept: list[str] | tuple[str, ...]
) -> str | None:
    """Why this file may not be handed in, or None. `accept` lists extensions like ".pdf"."""
    if max_bytes is not None and size > max_bytes:
        return f"{name} is {format_size(size)}; at most {format_size(max_bytes)} is allowed"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if accept and f".{suffix}" not in {a.lower() for a in accept}:
        return f"{name} is not one of the accepted file types ({', '.join(accept)})"
    return None


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def is_media_reference(response: Any) -> bool:
    """Whether `response` has the shape of a stored file reference (upload or drawing)."""
    return (
        isinstance(response, dict)
        and isinstance(response.get("sha256"), str)
        and re.fullmatch(r"[0-9a-f]{64}", response["sha256"]) is not None
        and isinstance(response.get("name"), str)
        and isinstance(response.get("size"), int)
    )

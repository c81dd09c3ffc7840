"""Numeric answers with an absolute tolerance; a decimal comma is accepted."""

from __future__ import annotations

import math
import re
from typing import Any

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def parse_number(text: Any) -> float | None:
    """A float from what a learner typed ("9,8", " 12 ", "1.5e3"), or None if it is no number."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text) if math.isfinite(text) else None
    if not isinstance(text, str):
        return None
    cleaned = text.strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(cleaned):
        return None
    return float(cleaned.replace(",", "."))


def grade_numeric(key: dict[str, Any], response: Any) -> float:
    value = parse_number(response)
    if value is None:
        return 0.0
    answer = float(key["answer"])
    tolerance = abs(float(key.get("tolerance", 0.0)))
    # A hair of slack so that 0.1 + 0.2 style float error never fails an exact answer.
    return 1.0 if abs(value - answer) <= tolerance + 1e-9 * max(1.0, abs(answer)) else 0.0

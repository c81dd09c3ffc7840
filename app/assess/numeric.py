"""Numeric answers with an absolute or relative tolerance; a decimal comma is accepted.

A key is either `{"answer": x, "tolerance": t}` or `{"answers": [...]}` where each accepted
answer is `{"answer": x, "tolerance": t, "credit": c}` or a range `{"min": a, "max": b,
"credit": c}`; the best matching credit wins (GIFT's `{#=2006:1 =%50%2006:3}` and `{#1..5}`,
and course quizzes with several accepted answers). `"tolerance_type": "relative"` (on the key or
on one accepted answer) reads the tolerance as a share of the answer: 0.05 is 5 %.
"""

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


def _slack(*values: float) -> float:
    # A hair of slack so that 0.1 + 0.2 style float error never fails an exact answer.
    return 1e-9 * max(1.0, *(abs(v) for v in values))


def _within(value: float, answer: float, tolerance: float, *, relative: bool = False) -> bool:
    allowed = abs(tolerance) * abs(answer) if relative else abs(tolerance)
    return abs(value - answer) <= allowed + _slack(answer)


def _accepted_credit(accepted: dict[str, Any], value: float, relative: bool) -> float:
    if "min" in accepted:
        low, high = float(accepted["min"]), float(accepted["max"])
        hit = low - _slack(low) <= value <= high + _slack(high)
    else:
        hit = _within(
            value,
            float(accepted["answer"]),
            float(accepted.get("tolerance", 0.0)),
            relative=accepted.get("tolerance_type", "relative" if relative else "") == "relative",
        )
    return float(accepted.get("credit", 1.0)) if hit else 0.0


def grade_numeric(key: dict[str, Any], response: Any) -> float:
    value = parse_number(response)
    if value is None:
        return 0.0
    relative = key.get("tolerance_type") == "relative"
    if "answers" in key:
        best = max((_accepted_credit(a, value, relative) for a in key["answers"]), default=0.0)
        return max(0.0, min(1.0, best))
    answer = float(key["answer"])
    tolerance = float(key.get("tolerance", 0.0))
    return 1.0 if _within(value, answer, tolerance, relative=relative) else 0.0

"""Matching: each stem paired with one answer.

Key `{"pairs": {stem_id: choice_id}}`; a response is a dict of the same shape. Every stem
matched right earns an equal share (Moodle's rule); `"scoring": "all_or_nothing"` (QTI's
match_correct) gives the points only when every stem is right. A key from a QTI `mapResponse` adds
`weights: {"stem choice": share}` with optional `default_weight`, `lower` and `upper`, and is
scored as the clamped sum of the pairs given.
"""

from __future__ import annotations

from typing import Any


def grade_matching(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, dict):
        return 0.0
    pairs: dict[str, str] = key["pairs"]
    given = {str(stem): str(choice) for stem, choice in response.items() if choice is not None}
    if "weights" in key:
        weights: dict[str, float] = key["weights"]
        default = float(key.get("default_weight", 0.0))
        total = sum(float(weights.get(f"{s} {c}", default)) for s, c in given.items())
        total = min(max(total, float(key.get("lower", 0.0))), float(key.get("upper", 1.0)))
        return max(0.0, min(1.0, total))
    if not pairs:
        return 0.0
    right = sum(1 for stem, choice in pairs.items() if given.get(stem) == choice)
    if key.get("scoring") == "all_or_nothing":
        return 1.0 if right == len(pairs) else 0.0
    return right / len(pairs)

"""Ordering: put the items in the right order.

Key `{"order": [item ids]}`; the response is the list of ids in the learner's order. The
default scoring is all or nothing (QTI's match_correct); `"scoring": "per_position"` gives an
equal share for each item in its right place.
"""

from __future__ import annotations

from typing import Any


def grade_ordering(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, list | tuple):
        return 0.0
    order = [str(i) for i in key["order"]]
    given = [str(i) for i in response]
    if key.get("scoring", "all_or_nothing") == "per_position":
        if not order:
            return 0.0
        right = sum(1 for i, item in enumerate(order) if i < len(given) and given[i] == item)
        return right / len(order)
    return 1.0 if given == order else 0.0

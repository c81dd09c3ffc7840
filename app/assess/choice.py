"""Single choice, multiple choice (all-or-nothing, per option, right-minus-wrong or weighted)
and true/false.

Multiple-response scoring, chosen per question:
- `all_or_nothing`: the points only for exactly the right set of options;
- `per_option`: each option judged right (ticked and correct, or left and wrong) earns a share;
- `right_minus_wrong`: each correct option ticked earns 1/(number correct), each wrong option
  ticked costs 1/(number wrong); the total is floored at 0 (Moodle's "partial credit" rule).

Weighted keys come from imported banks: GIFT `~%50%` answers, QTI `mapResponse` mappings.
`weights` maps option ids to a share of the points (negative for a penalty); options not named
earn `default_weight` (0 unless a QTI mapping says otherwise). The total is kept within
[`lower`, `upper`] (default 0 and 1), and never leaves 0..1.
"""

from __future__ import annotations

from typing import Any

# GIFT files store weights like 33.33333%: three of them add up to 0.9999999, which is full
# credit to the author (Moodle rounds it the same way).
_ROUNDING_SLACK = 1e-6


def _clamp(value: float, lower: float = 0.0, upper: float = 1.0) -> float:
    value = min(max(value, lower), upper)
    if value > 1.0 - _ROUNDING_SLACK:
        return 1.0
    return max(0.0, min(1.0, value))


def grade_single_choice(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, str):
        return 0.0
    if response == key["answer"]:
        return 1.0
    weights = key.get("weights")
    if weights:
        return _clamp(float(weights.get(response, key.get("default_weight", 0.0))))
    return 0.0


def grade_multiple_choice(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, list | tuple | set):
        return 0.0
    chosen = {str(r) for r in response}
    correct = set(key["answer"])
    scoring = key.get("scoring", "all_or_nothing")
    if scoring == "weighted":
        return _grade_weighted(key, chosen)
    if scoring == "all_or_nothing":
        return 1.0 if chosen == correct else 0.0
    options = set(key.get("option_ids") or correct | chosen)
    if scoring == "right_minus_wrong":
        return _right_minus_wrong(chosen & options, correct, options - correct)
    # per_option: each option judged right (ticked and correct, or left and wrong) earns a share.
    right = sum(1 for opt in options if (opt in chosen) == (opt in correct))
    return right / len(options) if options else 0.0


def _right_minus_wrong(chosen: set[str], correct: set[str], wrong: set[str]) -> float:
    if not correct:
        return 0.0
    gained = len(chosen & correct) / len(correct)
    lost = len(chosen & wrong) / len(wrong) if wrong else 0.0
    return _clamp(gained - lost)


def _grade_weighted(key: dict[str, Any], chosen: set[str]) -> float:
    weights: dict[str, float] = key.get("weights", {})
    option_ids = key.get("option_ids")
    if option_ids is not None:
        # An id that is not an option of the question earns nothing, whatever the default.
        chosen = chosen & set(option_ids)
    default = float(key.get("default_weight", 0.0))
    total = sum(float(weights.get(opt, default)) for opt in chosen)
    return _clamp(total, float(key.get("lower", 0.0)), float(key.get("upper", 1.0)))


def grade_true_false(key: dict[str, Any], response: Any) -> float:
    return 1.0 if isinstance(response, bool) and response is key["answer"] else 0.0

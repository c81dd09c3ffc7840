"""Single choice, multiple choice (all-or-nothing or per option) and true/false."""

from __future__ import annotations

from typing import Any


def grade_single_choice(key: dict[str, Any], response: Any) -> float:
    return 1.0 if isinstance(response, str) and response == key["answer"] else 0.0


def grade_multiple_choice(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, list | tuple | set):
        return 0.0
    chosen = {str(r) for r in response}
    correct = set(key["answer"])
    if key.get("scoring", "all_or_nothing") == "all_or_nothing":
        return 1.0 if chosen == correct else 0.0
    # per_option: each option judged right (ticked and correct, or left and wrong) earns a share.
    options = set(key.get("option_ids") or correct | chosen)
    right = sum(1 for opt in options if (opt in chosen) == (opt in correct))
    return right / len(options) if options else 0.0


def grade_true_false(key: dict[str, Any], response: Any) -> float:
    return 1.0 if isinstance(response, bool) and response is key["answer"] else 0.0

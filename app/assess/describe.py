"""The correct answer in words, for the review page, for every question type.

`app.attempts.describe_answer` knows the format 1.0 types; this covers the newer keys too
(relative tolerance, several accepted numbers, patterns, matching, ordering, blanks) and says
"graded by your teacher" for the manual types.
"""

from __future__ import annotations

from typing import Any

from app.assess.manual import MANUAL_TYPES


def _number(accepted: dict[str, Any], relative: bool) -> str:
    if "min" in accepted:
        return f"from {accepted['min']:g} to {accepted['max']:g}"
    text = f"{accepted['answer']:g}"
    tolerance = float(accepted.get("tolerance", 0.0))
    if tolerance:
        is_relative = accepted.get("tolerance_type", "relative" if relative else "") == "relative"
        text += f" (± {tolerance * 100:g} %)" if is_relative else f" (± {tolerance:g})"
    return text


def _numeric(key: dict[str, Any]) -> str:
    unit = f" {key['unit']}" if key.get("unit") else ""
    relative = key.get("tolerance_type") == "relative"
    if "answers" not in key:
        return _number(key, relative) + unit
    parts = []
    for accepted in key["answers"]:
        credit = float(accepted.get("credit", 1.0))
        share = "" if credit >= 1.0 else f" ({credit * 100:g} % of the points)"
        parts.append(_number(accepted, relative) + unit + share)
    return "; ".join(parts)


def _texts(key: dict[str, Any]) -> str:
    accepted = [a for a in key.get("answers", []) if a.strip()]
    if not accepted and key.get("regex"):
        return f"an answer matching {key['regex']}"
    return " or ".join(accepted)


def describe_correct_answer(
    question_type: str, key: dict[str, Any], options: list[dict[str, Any]]
) -> str:
    texts = {str(o["id"]): str(o["text"]) for o in options}
    if question_type in MANUAL_TYPES:
        return "Graded by your teacher."
    if question_type == "single_choice":
        return texts.get(key["answer"], str(key["answer"]))
    if question_type == "multiple_choice":
        return "; ".join(texts.get(a, a) for a in key["answer"])
    if question_type == "true_false":
        return "True" if key["answer"] else "False"
    if question_type == "numeric":
        return _numeric(key)
    if question_type == "short_answer":
        return _texts(key)
    if question_type == "matching":
        stems = {s["id"]: s["text"] for s in key.get("stems", [])}
        return "; ".join(
            f"{stems.get(stem, stem)} → {texts.get(choice, choice)}"
            for stem, choice in key["pairs"].items()
        )
    if question_type == "ordering":
        return " → ".join(texts.get(i, i) for i in key["order"])
    if question_type == "fill_blanks":
        return "; ".join(f"{b.get('label') or b['id']}: {_texts(b)}" for b in key["blanks"])
    return ""

"""What a learner may see of a question's key: the parts a widget needs to show the question.

Matching stems, blank labels, the essay word limit, upload limits and the code language are
kept in the grading key (so the store needs no new column); `learner_details` picks out only
these, never the answers.
"""

from __future__ import annotations

from typing import Any


def learner_details(question_type: str, key: dict[str, Any]) -> dict[str, Any]:
    if question_type == "matching":
        return {"stems": [{"id": s["id"], "text": s["text"]} for s in key.get("stems", [])]}
    if question_type == "fill_blanks":
        return {
            "blanks": [
                {"id": b["id"], "label": b.get("label") or b["id"]} for b in key.get("blanks", [])
            ]
        }
    if question_type == "essay":
        return {"word_limit": key.get("word_limit")}
    if question_type == "file_upload":
        return {"max_bytes": key.get("max_bytes"), "accept": list(key.get("accept") or [])}
    if question_type == "code":
        return {"language": key.get("language", "")}
    return {}

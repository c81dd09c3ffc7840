"""Fill in the blanks: several blanks in one prompt, each with its own accepted answers.

Key `{"blanks": [{"id": blank_id, "answers": [...], "case_sensitive"?, "accent_insensitive"?,
"regex"?}]}`; each blank is graded like a short answer (app.assess.text). The response is
`{blank_id: text}`; every blank earns an equal share of the points.
"""

from __future__ import annotations

from typing import Any

from app.assess.text import grade_short_answer


def grade_blanks(key: dict[str, Any], response: Any) -> float:
    if not isinstance(response, dict):
        return 0.0
    blanks: list[dict[str, Any]] = key["blanks"]
    if not blanks:
        return 0.0
    earned = sum(grade_short_answer(blank, response.get(blank["id"])) for blank in blanks)
    return earned / len(blanks)

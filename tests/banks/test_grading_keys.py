"""Grading tables for the keys imported banks produce (app.assess), and the essay rule."""

from __future__ import annotations

import pytest

from app.assess import NotAutoGraded, grade_response, is_auto_graded

# GIFT `{~wrong ~%50%half =full}`: single choice with partial credit.
SINGLE_W = {"answer": "c", "weights": {"b": 0.5, "c": 1, "d": -0.5}}
# GIFT multiple answers with Moodle's 33.33333% weights and penalties.
THIRD = 0.3333333
MULTI_W = {
    "answer": ["a", "c", "f"],
    "scoring": "weighted",
    "weights": {"a": THIRD, "b": -THIRD, "c": THIRD, "d": -THIRD, "f": THIRD},
    "option_ids": ["a", "b", "c", "d", "e", "f"],
}
# QTI q03: mapping 1/1/-1/1/-1, default -2, bounds 0..3, as shares of 3.
QTI_MAP = {
    "answer": ["option1", "option2", "option4"],
    "scoring": "weighted",
    "weights": {"option1": 1 / 3, "option2": 1 / 3, "option3": -1 / 3, "option4": 1 / 3},
    "default_weight": -2 / 3,
    "lower": 0,
    "upper": 1,
    "option_ids": ["option1", "option2", "option3", "option4", "option5"],
}
NUM_MULTI = {
    "answers": [
        {"answer": 1822, "tolerance": 0, "credit": 1},
        {"answer": 1822, "tolerance": 2, "credit": 0.5},
        {"min": 1900, "max": 1910, "credit": 0.25},
    ]
}
SHORT_PARTIAL = {
    "answers": ["Nazareth"],
    "case_sensitive": False,
    "partial": [{"text": "Nazereth", "credit": 0.75}, {"text": "Bethlehem", "credit": 0.25}],
}
SHORT_WILD = {"answers": ["*manually*"], "case_sensitive": False, "wildcards": True}
QTI_TEXT = {
    "answers": ["York"],
    "case_sensitive": True,
    "partial": [{"text": "york", "credit": 0.5, "case_sensitive": True}],
}
MATCH = {"pairs": {"s1": "c1", "s2": "c2", "s3": "c3", "s4": "c1"}}
MATCH_ALL = {**MATCH, "scoring": "all_or_nothing"}
MATCH_MAP = {"pairs": {"A": "X", "B": "Y"}, "weights": {"A X": 0.5, "B Y": 0.5, "A Y": -0.5}}
ORDER = {"order": ["b", "a", "c"]}


@pytest.mark.parametrize(
    ("qtype", "key", "response", "expected"),
    [
        ("single_choice", SINGLE_W, "c", 1.0),
        ("single_choice", SINGLE_W, "b", 0.5),
        ("single_choice", SINGLE_W, "a", 0.0),
        ("single_choice", SINGLE_W, "d", 0.0),  # a penalty never takes a share below 0
        ("single_choice", SINGLE_W, ["c"], 0.0),
        ("multiple_choice", MULTI_W, ["a", "c", "f"], 1.0),  # 0.9999999 is full credit
        ("multiple_choice", MULTI_W, ["a", "c"], 2 * THIRD),
        ("multiple_choice", MULTI_W, ["a", "b"], 0.0),
        ("multiple_choice", MULTI_W, ["a", "c", "f", "b"], 2 * THIRD),
        ("multiple_choice", MULTI_W, ["a", "b", "c", "d", "e", "f"], THIRD),
        ("multiple_choice", MULTI_W, [], 0.0),
        ("multiple_choice", MULTI_W, "a", 0.0),
        ("multiple_choice", QTI_MAP, ["option1", "option2", "option4"], 1.0),
        ("multiple_choice", QTI_MAP, ["option1", "option3"], 0.0),
        ("multiple_choice", QTI_MAP, ["option1", "option2", "option5"], 0.0),  # default -2
        ("multiple_choice", QTI_MAP, ["option1", "nonsense"], 1 / 3),  # not an option: ignored
        ("numeric", NUM_MULTI, "1822", 1.0),
        ("numeric", NUM_MULTI, "1823,5", 0.5),
        ("numeric", NUM_MULTI, "1825", 0.0),
        ("numeric", NUM_MULTI, "1910", 0.25),
        ("numeric", NUM_MULTI, "abc", 0.0),
        ("numeric", {"answers": [{"min": 1, "max": 5, "credit": 1}]}, 3.7, 1.0),
        ("numeric", {"answers": [{"min": 1, "max": 5, "credit": 1}]}, 5.1, 0.0),
        ("short_answer", SHORT_PARTIAL, " nazareth ", 1.0),
        ("short_answer", SHORT_PARTIAL, "Nazereth", 0.75),
        ("short_answer", SHORT_PARTIAL, "bethlehem", 0.25),
        ("short_answer", SHORT_PARTIAL, "Galilee", 0.0),
        ("short_answer", SHORT_WILD, "They are MANUALLY graded", 1.0),
        ("short_answer", SHORT_WILD, "manual", 0.0),
        ("short_answer", QTI_TEXT, "York", 1.0),
        ("short_answer", QTI_TEXT, "york", 0.5),
        ("short_answer", QTI_TEXT, "YORK", 0.0),
        ("matching", MATCH, {"s1": "c1", "s2": "c2", "s3": "c3", "s4": "c1"}, 1.0),
        ("matching", MATCH, {"s1": "c1", "s2": "c3", "s3": "c2"}, 0.25),
        ("matching", MATCH, {}, 0.0),
        ("matching", MATCH, ["c1"], 0.0),
        ("matching", MATCH_ALL, {"s1": "c1", "s2": "c2", "s3": "c3"}, 0.0),
        ("matching", MATCH_ALL, {"s1": "c1", "s2": "c2", "s3": "c3", "s4": "c1"}, 1.0),
        ("matching", MATCH_MAP, {"A": "X", "B": "Y"}, 1.0),
        ("matching", MATCH_MAP, {"A": "Y", "B": "Y"}, 0.0),
        ("ordering", ORDER, ["b", "a", "c"], 1.0),
        ("ordering", ORDER, ["a", "b", "c"], 0.0),
        ("ordering", {**ORDER, "scoring": "per_position"}, ["a", "b", "c"], 1 / 3),
        ("ordering", ORDER, "bac", 0.0),
    ],
)
def test_grade_table(qtype: str, key: dict, response: object, expected: float) -> None:
    assert grade_response(qtype, key, response) == pytest.approx(expected)


@pytest.mark.parametrize("qtype", ["essay", "description"])
def test_essays_and_descriptions_are_not_auto_graded(qtype: str) -> None:
    assert not is_auto_graded(qtype)
    with pytest.raises(NotAutoGraded, match=qtype):
        grade_response(qtype, {}, "A long answer")
    with pytest.raises(NotAutoGraded):
        grade_response(qtype, {}, None)


def test_new_types_are_registered() -> None:
    for qtype in ("matching", "ordering", "single_choice", "numeric"):
        assert is_auto_graded(qtype)

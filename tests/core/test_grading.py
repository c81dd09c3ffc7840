"""Grading tables: each row is a key, a response and the share of points it must earn."""

from __future__ import annotations

import pytest

from app.assess import UnknownQuestionType, grade_response
from app.assess.numeric import parse_number

MC_KEY = {"answer": ["a", "c"], "scoring": "all_or_nothing", "option_ids": ["a", "b", "c", "d"]}
MC_PER = {**MC_KEY, "scoring": "per_option"}


@pytest.mark.parametrize(
    ("qtype", "key", "response", "expected"),
    [
        ("single_choice", {"answer": "b"}, "b", 1.0),
        ("single_choice", {"answer": "b"}, "a", 0.0),
        ("single_choice", {"answer": "b"}, ["b"], 0.0),
        ("single_choice", {"answer": "b"}, None, 0.0),
        ("multiple_choice", MC_KEY, ["c", "a"], 1.0),
        ("multiple_choice", MC_KEY, ["a"], 0.0),
        ("multiple_choice", MC_KEY, ["a", "b", "c"], 0.0),
        ("multiple_choice", MC_PER, ["a"], 0.75),
        ("multiple_choice", MC_PER, ["a", "b", "c"], 0.75),
        ("multiple_choice", MC_PER, [], 0.5),
        ("multiple_choice", MC_PER, ["b", "d"], 0.0),
        ("multiple_choice", MC_PER, "a", 0.0),
        ("true_false", {"answer": True}, True, 1.0),
        ("true_false", {"answer": True}, False, 0.0),
        ("true_false", {"answer": False}, "false", 0.0),
        ("numeric", {"answer": 9.8, "tolerance": 0.1}, "9.8", 1.0),
        ("numeric", {"answer": 9.8, "tolerance": 0.1}, "9,75", 1.0),
        ("numeric", {"answer": 9.8, "tolerance": 0.1}, " 9.9 ", 1.0),
        ("numeric", {"answer": 9.8, "tolerance": 0.1}, "9.95", 0.0),
        ("numeric", {"answer": 0.3, "tolerance": 0}, 0.1 + 0.2, 1.0),
        ("numeric", {"answer": 72, "tolerance": 0}, "72 km/h", 0.0),
        ("numeric", {"answer": -4, "tolerance": 0}, "\u22124", 1.0),
        ("numeric", {"answer": 1500, "tolerance": 0}, "1.5e3", 1.0),
        ("numeric", {"answer": 5}, "abc", 0.0),
        ("numeric", {"answer": 5}, True, 0.0),
        ("short_answer", {"answers": ["metres per second", "m/s"]}, "  Metres  per second ", 1.0),
        ("short_answer", {"answers": ["m/s"]}, "M/S", 1.0),
        ("short_answer", {"answers": ["m/s"], "case_sensitive": True}, "M/S", 0.0),
        ("short_answer", {"answers": ["café"]}, "cafe\u0301", 1.0),
        ("short_answer", {"answers": ["speed"]}, "", 0.0),
        ("short_answer", {"answers": ["speed"]}, 5, 0.0),
    ],
)
def test_grade_table(qtype: str, key: dict, response: object, expected: float) -> None:
    assert grade_response(qtype, key, response) == pytest.approx(expected)


def test_unknown_type_is_refused() -> None:
    with pytest.raises(UnknownQuestionType, match="hotspot"):
        grade_response("hotspot", {}, "x")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3.0),
        ("3,5", 3.5),
        (".5", 0.5),
        ("1 000", 1000.0),
        ("", None),
        ("1,2,3", None),
        ("nan", None),
        (float("inf"), None),
    ],
)
def test_parse_number(text: object, value: float | None) -> None:
    assert parse_number(text) == value

"""Grading tables for every question type family: a key, a response, the share it must earn."""

from __future__ import annotations

import pytest

from app.assess import NotAutoGraded, grade_response, is_auto_graded
from app.assess.manual import count_words, is_media_reference, upload_problem
from app.assess.text import MAX_PATTERN_LENGTH, compile_answer_pattern

OPTS = ["a", "b", "c", "d", "e"]
ALL = {"answer": ["a", "b"], "scoring": "all_or_nothing", "option_ids": OPTS}
PER = {**ALL, "scoring": "per_option"}
RMW = {**ALL, "scoring": "right_minus_wrong"}


@pytest.mark.parametrize(
    ("key", "response", "expected"),
    [
        (ALL, ["a", "b"], 1.0),
        (ALL, ["a"], 0.0),
        (ALL, ["a", "b", "c"], 0.0),
        (PER, ["a", "b"], 1.0),
        (PER, ["a"], 0.8),
        (PER, ["a", "b", "c"], 0.8),
        (PER, [], 0.6),
        (PER, ["c", "d", "e"], 0.0),
        # right minus wrong: +1/2 per correct ticked, -1/3 per wrong ticked, floored at 0.
        (RMW, ["a", "b"], 1.0),
        (RMW, ["a"], 0.5),
        (RMW, ["a", "b", "c"], 2 / 3),
        (RMW, ["a", "c"], 1 / 6),
        (RMW, ["a", "c", "d"], 0.0),
        (RMW, ["c", "d", "e"], 0.0),
        (RMW, OPTS, 0.0),
        (RMW, [], 0.0),
        (RMW, ["a", "zz"], 0.5),
        (RMW, "a", 0.0),
    ],
)
def test_multiple_response(key: dict, response: object, expected: float) -> None:
    assert grade_response("multiple_choice", key, response) == pytest.approx(expected)


ABS = {"answer": 9.8, "tolerance": 0.1}
REL = {"answer": 200, "tolerance": 0.05, "tolerance_type": "relative"}
SEVERAL = {
    "answers": [
        {"answer": 20, "tolerance": 0, "credit": 1.0},
        {"answer": 72, "tolerance": 1, "credit": 0.5},
        {"min": 5, "max": 6, "credit": 0.25},
        {"answer": 1000, "tolerance": 0.01, "tolerance_type": "relative", "credit": 0.75},
    ]
}


@pytest.mark.parametrize(
    ("key", "response", "expected"),
    [
        (ABS, "9,8", 1.0),
        (ABS, "9.9", 1.0),
        (ABS, "9.91", 0.0),
        (REL, "210", 1.0),
        (REL, "190", 1.0),
        (REL, "210,5", 0.0),
        (REL, "189.9", 0.0),
        ({"answer": -50, "tolerance": 0.1, "tolerance_type": "relative"}, "-45", 1.0),
        ({"answer": 0, "tolerance": 0.1, "tolerance_type": "relative"}, "0.0001", 0.0),
        (SEVERAL, "20", 1.0),
        (SEVERAL, "71", 0.5),
        (SEVERAL, "73,5", 0.0),
        (SEVERAL, "5,5", 0.25),
        (SEVERAL, "6", 0.25),
        (SEVERAL, "1009", 0.75),
        (SEVERAL, "1011", 0.0),
        (SEVERAL, "twenty", 0.0),
        (SEVERAL, "", 0.0),
    ],
)
def test_numeric(key: dict, response: object, expected: float) -> None:
    assert grade_response("numeric", key, response) == pytest.approx(expected)


ACCENTS = {"answers": ["élève", "Pâques"], "accent_insensitive": True}
REGEX = {"answers": ["9.8 m/s²"], "regex": r"9[.,]8\s*m/s(2|²|\^2)"}
REGEX_CASE = {"answers": [], "regex": r"[A-Z]{2}\d", "case_sensitive": True}


@pytest.mark.parametrize(
    ("key", "response", "expected"),
    [
        ({"answers": ["Metres per second", "m/s"]}, "  metres   PER second ", 1.0),
        ({"answers": ["élève"]}, "eleve", 0.0),
        ({"answers": ["élève"]}, "ÉLÈVE", 1.0),
        (ACCENTS, "eleve", 1.0),
        (ACCENTS, "ELEVE", 1.0),
        (ACCENTS, "paques", 1.0),
        (ACCENTS, "pages", 0.0),
        ({"answers": ["élève"], "accent_insensitive": True, "case_sensitive": True}, "Eleve", 0.0),
        (REGEX, "9,8 m/s2", 1.0),
        (REGEX, "9.8m/s^2", 1.0),
        (REGEX, "9.8 M/S2", 1.0),
        (REGEX, "about 9.8 m/s2", 0.0),  # a full match, not a search
        (REGEX, "9.8 m/s²", 1.0),
        (REGEX_CASE, "AB1", 1.0),
        (REGEX_CASE, "ab1", 0.0),
        ({"answers": ["x"], "regex": "a+"}, "a" * 5000, 0.0),  # too long to match a pattern
        ({"answers": ["x"], "regex": "("}, "(", 0.0),  # a broken pattern grants nothing
        ({"answers": ["x"], "regex": ".*"}, "   ", 0.0),
    ],
)
def test_short_text(key: dict, response: object, expected: float) -> None:
    assert grade_response("short_answer", key, response) == pytest.approx(expected)


def test_patterns_are_checked_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        compile_answer_pattern("m/s(")
    with pytest.raises(ValueError, match=f"at most {MAX_PATTERN_LENGTH}"):
        compile_answer_pattern("a" * (MAX_PATTERN_LENGTH + 1))
    assert compile_answer_pattern("ab?c").fullmatch("AC")


MATCH = {"pairs": {"s1": "c1", "s2": "c2", "s3": "c3", "s4": "c4"}}


@pytest.mark.parametrize(
    ("key", "response", "expected"),
    [
        (MATCH, {"s1": "c1", "s2": "c2", "s3": "c3", "s4": "c4"}, 1.0),
        (MATCH, {"s1": "c1", "s2": "c2", "s3": "c4", "s4": "c3"}, 0.5),
        (MATCH, {"s1": "c1", "s2": None}, 0.25),
        (MATCH, {}, 0.0),
        (MATCH, ["c1"], 0.0),
        ({**MATCH, "scoring": "all_or_nothing"}, {"s1": "c1", "s2": "c2", "s3": "c3"}, 0.0),
    ],
)
def test_matching(key: dict, response: object, expected: float) -> None:
    assert grade_response("matching", key, response) == pytest.approx(expected)


ORDER = {"order": ["a", "b", "c", "d"]}
PER_POSITION = {**ORDER, "scoring": "per_position"}


@pytest.mark.parametrize(
    ("key", "response", "expected"),
    [
        (ORDER, ["a", "b", "c", "d"], 1.0),
        (ORDER, ["a", "b", "d", "c"], 0.0),
        (PER_POSITION, ["a", "b", "d", "c"], 0.5),
        (PER_POSITION, ["d", "c", "b", "a"], 0.0),
        (PER_POSITION, ["a", "b"], 0.5),
        (PER_POSITION, "abcd", 0.0),
    ],
)
def test_ordering(key: dict, response: object, expected: float) -> None:
    assert grade_response("ordering", key, response) == pytest.approx(expected)


BLANKS = {
    "blanks": [
        {"id": "distance", "answers": ["distance", "d"]},
        {"id": "time", "answers": ["time"], "regex": r"t(ime)?"},
        {"id": "unit", "answers": ["mètres par seconde", "m/s"], "accent_insensitive": True},
    ]
}


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ({"distance": "Distance", "time": "t", "unit": "metres par seconde"}, 1.0),
        ({"distance": "d", "time": "time", "unit": "km/h"}, 2 / 3),
        ({"distance": "speed", "time": None}, 0.0),
        ({"time": " TIME "}, 1 / 3),
        ({}, 0.0),
        ("distance", 0.0),
    ],
)
def test_fill_in_the_blanks(response: object, expected: float) -> None:
    assert grade_response("fill_blanks", BLANKS, response) == pytest.approx(expected)


@pytest.mark.parametrize("qtype", ["essay", "file_upload", "drawing", "code"])
def test_manual_types_are_never_auto_graded(qtype: str) -> None:
    assert not is_auto_graded(qtype)
    with pytest.raises(NotAutoGraded, match=qtype):
        grade_response(qtype, {}, "anything")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("  one ", 1),
        ("Speed is distance / time.", 4),
        ("don't stop — it's well-known", 4),
        ("élève, café; 42 km", 4),
        ("line one\nline two\t\tthree", 5),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@pytest.mark.parametrize(
    ("name", "size", "max_bytes", "accept", "problem"),
    [
        ("report.pdf", 10, 100, [".pdf"], None),
        ("Report.PDF", 10, None, [".pdf", ".png"], None),
        ("report.pdf", 101, 100, [], "at most 100 bytes"),
        ("photo.exe", 10, 100, [".pdf", ".png"], "not one of the accepted file types"),
        ("noext", 10, 100, [".pdf"], "not one of the accepted"),
        ("big.png", 3 * 1024 * 1024, 2 * 1024 * 1024, [], "3.0 MB; at most 2.0 MB"),
    ],
)
def test_upload_limits(
    name: str, size: int, max_bytes: int | None, accept: list[str], problem: str | None
) -> None:
    found = upload_problem(name, size, max_bytes=max_bytes, accept=accept)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and name in found


def test_media_reference_shape() -> None:
    ref = {"sha256": "ab" * 32, "name": "a.png", "size": 3, "mime": "image/png"}
    assert is_media_reference(ref)
    assert not is_media_reference({**ref, "sha256": "../etc/passwd"})
    assert not is_media_reference({**ref, "size": "3"})
    assert not is_media_reference("a.png")

"""QuestionSpec: every type's keys, the messages that name the field, and stable format-1.0 keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.assess import grade_response, is_auto_graded
from app.courses.manifest import QuestionSpec, QuizFile, spec_fields_from_key

REPO = Path(__file__).resolve().parents[2]
PRACTICE = REPO / "resources" / "demo-course" / "quizzes" / "practice.json"


def spec(**fields: Any) -> QuestionSpec:
    return QuestionSpec.model_validate({"id": "q", "prompt": "?", **fields})


def test_format_1_0_keys_are_unchanged(demo_dir: Path) -> None:
    quiz = QuizFile.model_validate_json((demo_dir / "quizzes" / "check.json").read_bytes())
    allowed = {
        "single_choice": {"answer"},
        "true_false": {"answer"},
        "multiple_choice": {"answer", "scoring", "option_ids"},
        "numeric": {"answer", "tolerance", "unit"},
        "short_answer": {"answers", "case_sensitive"},
    }
    for question in quiz.questions:
        assert set(question.grading_key()) == allowed[question.type], question.id


CHOICES = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}]
STEMS = [{"id": "s1", "text": "one"}, {"id": "s2", "text": "two"}]


@pytest.mark.parametrize(
    ("fields", "response", "expected"),
    [
        (
            {
                "type": "multiple_choice",
                "options": CHOICES,
                "answer": ["a", "b"],
                "scoring": "right_minus_wrong",
            },
            ["a", "c"],
            0.0,
        ),
        (
            {"type": "numeric", "answer": 100, "tolerance": 0.1, "tolerance_type": "relative"},
            "109",
            1.0,
        ),
        (
            {
                "type": "numeric",
                "accepted": [{"answer": 20}, {"min": 70, "max": 75, "credit": 0.5}],
            },
            "72,5",
            0.5,
        ),
        ({"type": "short_answer", "answers": ["élève"], "accent_insensitive": True}, "ELEVE", 1.0),
        ({"type": "short_answer", "regex": r"v\s*=\s*d\s*/\s*t"}, "V = d/t", 1.0),
        (
            {
                "type": "matching",
                "stems": STEMS,
                "options": CHOICES,
                "answer": {"s1": "b", "s2": "a"},
                "scoring": "per_item",
            },
            {"s1": "b", "s2": "c"},
            0.5,
        ),
        (
            {
                "type": "matching",
                "stems": STEMS,
                "options": CHOICES,
                "answer": {"s1": "b", "s2": "a"},
            },
            {"s1": "b", "s2": "c"},
            0.0,
        ),
        ({"type": "ordering", "options": CHOICES, "answer": ["c", "a", "b"]}, ["c", "a", "b"], 1.0),
        (
            {
                "type": "ordering",
                "options": CHOICES,
                "answer": ["c", "a", "b"],
                "scoring": "per_item",
            },
            ["c", "b", "a"],
            1 / 3,
        ),
        (
            {
                "type": "fill_blanks",
                "blanks": [{"id": "x", "answers": ["d"]}, {"id": "y", "regex": "t(ime)?"}],
            },
            {"x": "D", "y": "time"},
            1.0,
        ),
    ],
)
def test_keys_grade_as_authored(fields: dict, response: object, expected: float) -> None:
    question = spec(**fields)
    key = question.grading_key()
    assert grade_response(question.type, key, response) == pytest.approx(expected)
    # The exporter's inverse gives back the same key.
    authored = {
        "id": "q",
        "prompt": "?",
        "type": question.type,
        **spec_fields_from_key(question.type, key),
    }
    for name in ("options", "answers", "unit", "tolerance", "case_sensitive"):
        value = getattr(question, name)
        if value and name not in authored:
            authored[name] = [o.model_dump() for o in value] if name == "options" else value
    if question.type in ("single_choice", "multiple_choice", "true_false") or (
        question.type == "numeric" and question.answer is not None
    ):
        authored["answer"] = key["answer"]
    if question.type == "multiple_choice":
        authored["scoring"] = key["scoring"]
    assert QuestionSpec.model_validate(authored).grading_key() == key


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"type": "essay", "word_limit": 250}, {"word_limit": 250}),
        (
            {"type": "file_upload", "max_bytes": 1000, "accept": [".pdf"]},
            {"max_bytes": 1000, "accept": [".pdf"]},
        ),
        ({"type": "drawing"}, {}),
        ({"type": "code", "language": "python"}, {"language": "python"}),
    ],
)
def test_manual_types(fields: dict, key: dict) -> None:
    question = spec(**fields)
    assert question.grading_key() == key
    assert not is_auto_graded(question.type)
    authored = {
        "id": "q",
        "prompt": "?",
        "type": question.type,
        **spec_fields_from_key(question.type, key),
    }
    assert QuestionSpec.model_validate(authored).grading_key() == key


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"type": "short_answer", "answers": ["x"], "regex": "m/s("},
            "'regex': the pattern 'm/s(' is not a valid",
        ),
        (
            {"type": "short_answer", "answers": ["x"], "regex": "a" * 301},
            "'regex': the pattern is 301",
        ),
        ({"type": "short_answer", "answers": []}, "'answers' must list"),
        ({"type": "numeric", "answer": 1, "regex": "x"}, "'regex' is only for short_answer"),
        ({"type": "numeric", "answer": 1, "accepted": [{"answer": 1}]}, "'answer' or 'accepted'"),
        (
            {"type": "numeric", "accepted": [{"answer": 1, "credit": 0.5}]},
            "at least one answer with credit 1",
        ),
        ({"type": "numeric", "accepted": [{"min": 3, "max": 1}]}, "min <= max"),
        (
            {"type": "numeric", "accepted": [{"answer": 1, "min": 0, "max": 2}]},
            "either 'answer' or both",
        ),
        ({"type": "numeric", "answer": 1, "tolerance_type": "percent"}, "tolerance_type"),
        (
            {"type": "multiple_choice", "options": CHOICES, "answer": ["a"], "scoring": "per_item"},
            "'scoring' of a multiple_choice",
        ),
        (
            {"type": "true_false", "answer": True, "scoring": "per_option"},
            "'scoring' of a true_false",
        ),
        (
            {"type": "matching", "stems": STEMS, "options": CHOICES, "answer": {"s1": "a"}},
            "'answer' must map every stem",
        ),
        (
            {
                "type": "matching",
                "stems": STEMS,
                "options": CHOICES,
                "answer": {"s1": "a", "s2": "z"},
            },
            "unknown options ['z']",
        ),
        (
            {"type": "matching", "stems": STEMS[:1], "options": CHOICES, "answer": {"s1": "a"}},
            "at least 2 'stems'",
        ),
        (
            {"type": "ordering", "options": CHOICES, "answer": ["a", "b"]},
            "'answer' must list every option id",
        ),
        ({"type": "fill_blanks", "blanks": []}, "'blanks' must list"),
        ({"type": "fill_blanks", "blanks": [{"id": "x"}]}, "blank 'x': 'answers' or 'regex'"),
        ({"type": "fill_blanks", "blanks": [{"id": "x", "regex": "("}]}, "blank 'x': 'regex'"),
        (
            {
                "type": "fill_blanks",
                "blanks": [{"id": "x", "answers": ["a"]}, {"id": "x", "answers": ["b"]}],
            },
            "duplicate blank id",
        ),
        ({"type": "essay", "word_limit": 0}, "word_limit"),
        ({"type": "essay", "max_bytes": 10}, "'max_bytes' is only for file_upload"),
        ({"type": "file_upload", "accept": ["pdf"]}, "accept"),
        ({"type": "code", "language": "klingon"}, "'language': 'klingon' is not a language"),
        ({"type": "drawing", "options": CHOICES}, "a drawing question has no 'options'"),
        ({"type": "hotspot"}, "type"),
    ],
)
def test_bad_questions_name_the_field(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(**fields)
    assert message in str(caught.value)


def test_practice_quiz_covers_every_type() -> None:
    quiz = QuizFile.model_validate_json(PRACTICE.read_bytes())
    types = {q.type for q in quiz.questions}
    assert {
        "matching",
        "ordering",
        "fill_blanks",
        "essay",
        "file_upload",
        "drawing",
        "code",
        "numeric",
        "short_answer",
        "multiple_choice",
    } <= types
    for question in quiz.questions:
        assert question.feedback.correct or question.feedback.incorrect, question.id
    raw = json.loads(PRACTICE.read_text())
    assert any(q.get("scoring") == "right_minus_wrong" for q in raw["questions"])
    assert any(q.get("regex") for q in raw["questions"])
    assert any(q.get("accepted") for q in raw["questions"])


# A right answer to each auto-graded question of the demo practice quiz.
PRACTICE_ANSWERS: dict[str, Any] = {
    "p01-units-of-speed": ["ms", "kmh", "mph"],
    "p02-car-relative": "101,5",
    "p03-cyclist-credit": "24",
    "p04-walking-range": "1.4",
    "p05-formula-regex": "V=d / t",
    "p06-french-accents": "Velocite",
    "p07-match-units": {"speed": "ms", "distance": "m", "time": "s"},
    "p08-order-steps": ["distances", "times", "divide", "unit"],
    "p09-blanks": {"top": "Distance", "bottom": "the time taken", "unit": "m s^-1"},
}


def test_practice_quiz_right_answers_earn_full_points() -> None:
    quiz = QuizFile.model_validate_json(PRACTICE.read_bytes())
    graded = [q for q in quiz.questions if is_auto_graded(q.type)]
    assert sorted(q.id for q in graded) == sorted(PRACTICE_ANSWERS)
    for question in graded:
        response = PRACTICE_ANSWERS[question.id]
        assert grade_response(question.type, question.grading_key(), response) == 1.0, question.id


SCHEMA_CASES: list[tuple[dict[str, Any], bool]] = [
    ({"type": "numeric", "accepted": [{"answer": 2}]}, True),
    ({"type": "numeric"}, False),
    ({"type": "short_answer", "regex": "a+"}, True),
    ({"type": "short_answer"}, False),
    (
        {"type": "matching", "stems": STEMS, "options": CHOICES, "answer": {"s1": "a", "s2": "b"}},
        True,
    ),
    ({"type": "matching", "options": CHOICES, "answer": {"s1": "a"}}, False),
    ({"type": "ordering", "options": CHOICES, "answer": ["a", "b", "c"]}, True),
    ({"type": "ordering", "answer": ["a"]}, False),
    ({"type": "fill_blanks", "blanks": [{"id": "x", "answers": ["y"]}]}, True),
    ({"type": "fill_blanks"}, False),
    ({"type": "essay", "word_limit": 100}, True),
    ({"type": "essay", "options": CHOICES}, False),
    ({"type": "file_upload", "accept": [".pdf"], "max_bytes": 10}, True),
    ({"type": "file_upload", "accept": ["pdf"]}, False),
    ({"type": "drawing"}, True),
    ({"type": "code", "language": "python"}, True),
]


@pytest.mark.parametrize(("question", "valid"), SCHEMA_CASES)
def test_quiz_schema_agrees_with_the_model_on_new_types(question: dict, valid: bool) -> None:
    from jsonschema import Draft202012Validator

    quiz = {"questions": [{"id": "q", "prompt": "?", **question}]}
    schema = json.loads((REPO / "docs" / "quiz.schema.json").read_text())
    assert Draft202012Validator(schema).is_valid(quiz) is valid
    try:
        QuizFile.model_validate(quiz)
    except ValidationError:
        assert not valid
    else:
        assert valid

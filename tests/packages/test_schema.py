"""The JSON Schemas in docs/ are generated from the manifest models and agree with them."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from app.courses.manifest import CourseManifest, QuizFile
from app.courses.schema import SCHEMAS, SchemaSpec, render
from tests.conftest import REPO

DOCS = REPO / "docs"


def committed(name: str) -> dict[str, Any]:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(committed(name))


@pytest.mark.parametrize("spec", SCHEMAS, ids=lambda s: s.filename)
def test_committed_schema_is_what_the_models_generate(spec: SchemaSpec) -> None:
    path = DOCS / spec.filename
    assert path.exists(), f"{path} is missing: run `make schema`"
    assert path.read_text(encoding="utf-8") == render(spec), (
        f"{path} differs from what app/courses/manifest.py generates now: run `make schema` "
        "and commit the result"
    )


@pytest.mark.parametrize("spec", SCHEMAS, ids=lambda s: s.filename)
def test_schema_is_valid_draft_2020_12_with_identity(spec: SchemaSpec) -> None:
    schema = committed(spec.filename)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == spec.schema_id and schema["$id"].startswith("urn:slate:schema:")
    assert schema["title"] and schema["description"]


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "(root)", schema
    yield from schema.get("$defs", {}).items()


@pytest.mark.parametrize("spec", SCHEMAS, ids=lambda s: s.filename)
def test_every_definition_and_property_is_described(spec: SchemaSpec) -> None:
    undescribed = []
    for name, definition in _properties(committed(spec.filename)):
        if not definition.get("description"):
            undescribed.append(name)
        for prop, body in definition.get("properties", {}).items():
            if not body.get("description"):
                undescribed.append(f"{name}.{prop}")
    assert not undescribed, (
        f"add descriptions (Field(description=...) or app/courses/schema.py DESCRIPTIONS): "
        f"{undescribed}"
    )


def test_demo_course_and_quiz_validate(demo_dir: Path) -> None:
    course = json.loads((demo_dir / "course.json").read_text(encoding="utf-8"))
    errors = [e.message for e in validator("course.schema.json").iter_errors(course)]
    assert errors == []
    quiz_files = [i["file"] for m in course["modules"] for i in m["items"] if i["kind"] == "quiz"]
    assert quiz_files
    for name in quiz_files:
        quiz = json.loads((demo_dir / name).read_text(encoding="utf-8"))
        errors = [e.message for e in validator("quiz.schema.json").iter_errors(quiz)]
        assert errors == [], name


def test_entry_point_writes_both_schemas(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.courses.schema", str(tmp_path / "out")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for spec in SCHEMAS:
        assert (tmp_path / "out" / spec.filename).read_text(encoding="utf-8") == render(spec)


# -- the schema and the models accept and refuse the same documents -------------------------


def _accepted_by_model(model: type[BaseModel], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


QUESTION = {
    "id": "q1",
    "type": "single_choice",
    "prompt": "Pick one",
    "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
    "answer": "a",
}

QUESTION_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("valid single choice", {}, True),
    ("single choice without answer", {"answer": None}, False),
    ("single choice with one option", {"options": [{"id": "a", "text": "A"}]}, False),
    ("multiple choice", {"type": "multiple_choice", "answer": ["a", "b"]}, True),
    ("multiple choice, answer not a list", {"type": "multiple_choice", "answer": "a"}, False),
    ("multiple choice, empty answer", {"type": "multiple_choice", "answer": []}, False),
    ("true/false", {"type": "true_false", "options": [], "answer": True}, True),
    ("true/false with a string", {"type": "true_false", "options": [], "answer": "yes"}, False),
    ("true/false with options", {"type": "true_false", "answer": True}, False),
    ("numeric", {"type": "numeric", "options": [], "answer": 2.5, "tolerance": 0.1}, True),
    ("numeric with a boolean", {"type": "numeric", "options": [], "answer": True}, False),
    ("negative tolerance", {"type": "numeric", "options": [], "answer": 1, "tolerance": -1}, False),
    (
        "short answer",
        {"type": "short_answer", "options": [], "answer": None, "answers": ["x"]},
        True,
    ),
    ("short answer without answers", {"type": "short_answer", "options": []}, False),
    ("unknown key", {"hint": "think"}, False),
    ("bad id", {"id": "-q"}, False),
    ("zero points", {"points": 0}, False),
    ("unknown type", {"type": "hotspot"}, False),
]


@pytest.mark.parametrize(
    ("change", "valid"),
    [(c, v) for _n, c, v in QUESTION_CASES],
    ids=[n for n, _c, _v in QUESTION_CASES],
)
def test_quiz_schema_agrees_with_the_model(change: dict[str, Any], valid: bool) -> None:
    question = {k: v for k, v in {**QUESTION, **change}.items() if v is not None}
    quiz = {"type": "quiz", "questions": [question]}
    assert _accepted_by_model(QuizFile, quiz) is valid
    assert validator("quiz.schema.json").is_valid(quiz) is valid


def _track(kind: str) -> dict[str, str]:
    return {"language": "en", "label": "English", "file": "media/x.vtt", "kind": kind}


ITEM_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("valid lesson", {}, True),
    (
        "lesson with subtitles",
        {"subtitles": [{"language": "en", "label": "E", "file": "a"}]},
        False,
    ),
    ("lesson with notes", {"notes": "n.md"}, False),
    ("video with notes", {"kind": "video", "notes": "n.md"}, True),
    ("unknown kind", {"kind": "podcast"}, False),
    ("empty file", {"file": ""}, False),
    ("negative duration", {"kind": "video", "duration_s": -1}, False),
    ("lesson with chapters", {"chapters": [{"title": "A", "start_s": 0}]}, False),
    ("video with chapters", {"kind": "video", "chapters": [{"title": "A", "start_s": 0}]}, True),
    ("chapter without title", {"kind": "video", "chapters": [{"start_s": 0}]}, False),
    (
        "negative chapter start",
        {"kind": "video", "chapters": [{"title": "A", "start_s": -1}]},
        False,
    ),
    ("captions track", {"kind": "video", "subtitles": [_track("captions")]}, True),
    (
        "chapters track",
        {"kind": "video", "subtitles": [_track("subtitles"), _track("chapters")]},
        True,
    ),
    (
        "two chapters tracks",
        {"kind": "video", "subtitles": [_track("chapters"), _track("chapters")]},
        False,
    ),
    (
        "chapters twice",
        {
            "kind": "video",
            "subtitles": [_track("chapters")],
            "chapters": [{"title": "A", "start_s": 0}],
        },
        False,
    ),
    ("unknown track kind", {"kind": "video", "subtitles": [_track("karaoke")]}, False),
]


@pytest.mark.parametrize(
    ("change", "valid"),
    [(c, v) for _n, c, v in ITEM_CASES],
    ids=[n for n, _c, _v in ITEM_CASES],
)
def test_course_schema_agrees_with_the_model(
    demo_dir: Path, change: dict[str, Any], valid: bool
) -> None:
    course = json.loads((demo_dir / "course.json").read_text(encoding="utf-8"))
    course = copy.deepcopy(course)
    course["modules"][0]["items"][1].update(change)  # a lesson item
    assert _accepted_by_model(CourseManifest, course) is valid
    assert validator("course.schema.json").is_valid(course) is valid


def test_duplicate_ids_are_left_to_the_importer(demo_dir: Path) -> None:
    """JSON Schema cannot say "ids unique by key"; the schema's description says the importer
    checks it. Pin that, so nobody believes the schema alone is the whole contract."""
    course = json.loads((demo_dir / "course.json").read_text(encoding="utf-8"))
    course["modules"][1]["items"][0]["id"] = course["modules"][0]["items"][0]["id"]
    assert validator("course.schema.json").is_valid(course)
    assert not _accepted_by_model(CourseManifest, course)

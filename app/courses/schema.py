"""JSON Schemas for `course.json` and quiz files, generated from the pydantic models.

The models in `app.courses.manifest` are the contract; the schemas in `docs/` are derived from
them so authors' editors and other tools can check a package without Slate. A test compares the
committed files with what the models generate now, so changing a model means regenerating:

    python -m app.courses.schema docs        (or: make schema)

Descriptions a model field does not carry itself come from `DESCRIPTIONS` below; a test requires
every property to have one, so a new field cannot ship undocumented. The cross-field rules the
models check in validators (what each question type and item kind needs) are repeated as
`allOf` conditions, so an editor flags them too; the importer stays the final judge.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from app.courses.manifest import FORMAT_V1, CourseManifest, QuizFile

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_ID = (
    "A stable id chosen by the author: 1 to 64 characters from a-z A-Z 0-9 . _ -, starting with "
    "a letter or digit. A newer version of the package is matched to stored content by ids."
)
_PATH = (
    "A path relative to the package root, with '/' separators; it must stay inside the package "
    "(no absolute path, no '..' leaving it, no symbolic link)."
)

# Model name -> {"": the model's description, field name: the field's description}.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "CourseManifest": {
        "": f"The manifest of a Slate course package ({FORMAT_V1}), stored as course.json at "
        "the package root (docs/course-format.md). Slate's importer also checks what a schema "
        "cannot: ids unique within their scope, and every named file present in the package.",
        "format": f'The package format; always "{FORMAT_V1}".',
        "id": 'The course\'s stable id, e.g. "demo.energy-and-motion". ' + _ID,
        "version": "The author's version label. Importing the same id and version again changes "
        "nothing; another version updates the stored course, matched by stable ids.",
        "title": "The course title shown in the course list.",
        "description": "One paragraph describing the course.",
        "language": 'BCP 47 language tag of the course, e.g. "en" or "pt-BR".',
        "level": 'Free text for the audience, e.g. "Secondary, ages 13-15".',
        "authors": "The authors' names.",
        "license": 'The licence of the content, e.g. "CC BY 4.0".',
        "modules": "The course's modules, in the order they are shown.",
    },
    "ModuleSpec": {
        "": "A module: a titled group of items shown in order.",
        "id": "The module's stable id, unique within the course. " + _ID,
        "title": "The module title.",
        "items": "The module's items, in the order they are shown.",
    },
    "ItemSpec": {
        "": "One step of a module: a reading lesson, a video, a document or a quiz.",
        "id": "The item's stable id, unique within the course; learners' progress and attempts "
        "refer to it. " + _ID,
        "title": "The item title shown in the course outline.",
        "kind": "lesson: a Markdown file; video: an MP4 (H.264/AAC) or WebM (VP8/VP9) file; "
        "document: a file opened in the system viewer (e.g. PDF); quiz: a quiz JSON file.",
        "file": "The item's file. " + _PATH,
        "subtitles": "Video only: subtitle tracks, one per language.",
        "notes": "Video only: a Markdown file shown under the video. " + _PATH,
        "duration_s": "Video only: the duration in seconds, shown before the video is probed.",
        "chapters": "Video only: chapters the learner can jump to, in increasing start "
        'order. Give them here or as a subtitle track of kind "chapters", not both.',
    },
    "SubtitleRef": {
        "": "A subtitle track of a video.",
        "language": 'BCP 47 language tag of the track, e.g. "en".',
        "label": 'The name shown in the subtitle picker, e.g. "English".',
        "file": "The subtitle file, WebVTT (.vtt) or SubRip (.srt; stored as WebVTT). " + _PATH,
        "kind": "subtitles (default) or captions: text offered in the subtitle picker; "
        "chapters: a track whose cues are the video's chapters (cue text = chapter title), "
        "at most one per video, not offered as subtitles.",
    },
    "ChapterSpec": {
        "": "A chapter of a video.",
        "title": "The chapter title shown in the chapter list.",
        "start_s": "Where the chapter starts, in seconds from the start of the video; it must "
        "be later than the previous chapter's start and within the video.",
    },
    "QuizFile": {
        "": f"A Slate quiz file ({FORMAT_V1}), named by a quiz item's 'file' in course.json "
        "(docs/course-format.md). Slate's importer also checks that question and option ids "
        "are unique and that every answer names an existing option.",
        "type": "What kind of assessment this is.",
        "settings": "How the assessment is taken and passed.",
        "questions": "The questions, in the order they are shown (unless shuffled).",
    },
    "QuizSettings": {
        "": "How an assessment is taken and passed.",
        "passing_score": "The fraction (0 to 1) of the available points needed to pass.",
        "time_limit_s": "The time limit in seconds, or null for none.",
        "max_attempts": "How many attempts a learner may make, or null for no limit.",
        "shuffle_questions": "Show the questions in a different order in each attempt.",
        "shuffle_options": "Show choice options in a different order in each attempt.",
    },
    "QuestionSpec": {
        "": "A question. Which keys it needs depends on its type.",
        "id": "The question's stable id, unique within its quiz; answers refer to it. " + _ID,
        "prompt": "The question text (Markdown).",
        "points": "The points the question is worth (default 1).",
        "feedback": "Feedback shown after submission.",
        "options": "Choice questions: the options, in the order they are shown; matching: the "
        "right-hand choices; ordering: the items, in the order they are first shown.",
        "answer": "single_choice: one option id; multiple_choice: a list of option ids; "
        "true_false: true or false; numeric: a number; matching: an object mapping each stem id "
        "to an option id; ordering: every option id, in the right order.",
        "answers": "short_answer only: the accepted answers.",
        "scoring": "multiple_choice: all_or_nothing (default) gives the points only when every "
        "option is judged right; per_option gives an equal share for each option judged right; "
        "right_minus_wrong gives a share per correct option ticked and takes one per wrong option "
        "ticked (never below 0). matching and ordering: all_or_nothing (default) or per_item, an "
        "equal share per stem matched or item in its place.",
        "tolerance": "numeric only: the absolute tolerance around the answer (default 0).",
        "unit": "numeric only: a unit shown beside the answer box.",
        "case_sensitive": "short_answer only: compare case too (default false).",
    },
    "OptionSpec": {
        "": "An option of a choice question.",
        "id": "The option's id, unique within its question. " + _ID,
        "text": "The option text (Markdown).",
        "feedback": "Feedback shown after submission when this option was chosen.",
    },
    "FeedbackSpec": {
        "": "Feedback shown after submission.",
        "correct": "Shown when the answer earned full points (Markdown).",
        "incorrect": "Shown otherwise (Markdown).",
    },
}


def _type_is(value: str) -> dict[str, Any]:
    return {"properties": {"type": {"const": value}}, "required": ["type"]}


_CHOICE_OPTIONS = {"type": "array", "minItems": 2}
_CHAPTERS_TRACK = {"properties": {"kind": {"const": "chapters"}}, "required": ["kind"]}

# The validators' cross-field rules, as JSON Schema conditions (keep in step with manifest.py).
CONDITIONS: dict[str, list[dict[str, Any]]] = {
    "ItemSpec": [
        {
            "if": {
                "properties": {"kind": {"not": {"const": "video"}}},
                "required": ["kind"],
            },
            "then": {
                "properties": {
                    "subtitles": {"maxItems": 0},
                    "notes": {"type": "null"},
                    "chapters": {"maxItems": 0},
                },
            },
        },
        {
            "properties": {
                "subtitles": {"contains": _CHAPTERS_TRACK, "minContains": 0, "maxContains": 1}
            }
        },
        {
            "if": {
                "properties": {"subtitles": {"contains": _CHAPTERS_TRACK}},
                "required": ["subtitles"],
            },
            "then": {"properties": {"chapters": {"maxItems": 0}}},
        },
    ],
    "QuestionSpec": [
        {
            "if": _type_is("single_choice"),
            "then": {
                "properties": {"options": _CHOICE_OPTIONS, "answer": {"type": "string"}},
                "required": ["options", "answer"],
            },
        },
        {
            "if": _type_is("multiple_choice"),
            "then": {
                "properties": {
                    "options": _CHOICE_OPTIONS,
                    "answer": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                },
                "required": ["options", "answer"],
            },
        },
        {
            "if": _type_is("true_false"),
            "then": {"properties": {"answer": {"type": "boolean"}}, "required": ["answer"]},
        },
        {
            "if": _type_is("numeric"),
            "then": {
                "anyOf": [
                    {"properties": {"answer": {"type": "number"}}, "required": ["answer"]},
                    {"properties": {"accepted": {"minItems": 1}}, "required": ["accepted"]},
                ]
            },
        },
        {
            "if": _type_is("short_answer"),
            "then": {
                "anyOf": [
                    {
                        "properties": {"answers": {"type": "array", "minItems": 1}},
                        "required": ["answers"],
                    },
                    {"properties": {"regex": {"type": "string"}}, "required": ["regex"]},
                ]
            },
        },
        {
            "if": _type_is("matching"),
            "then": {
                "properties": {
                    "stems": {"minItems": 2},
                    "options": _CHOICE_OPTIONS,
                    "answer": {"type": "object"},
                },
                "required": ["stems", "options", "answer"],
            },
        },
        {
            "if": _type_is("ordering"),
            "then": {
                "properties": {"options": _CHOICE_OPTIONS, "answer": {"type": "array"}},
                "required": ["options", "answer"],
            },
        },
        {
            "if": _type_is("fill_blanks"),
            "then": {"properties": {"blanks": {"minItems": 1}}, "required": ["blanks"]},
        },
        {
            "if": {
                "properties": {
                    "type": {
                        "enum": [
                            "true_false",
                            "numeric",
                            "short_answer",
                            "fill_blanks",
                            "essay",
                            "file_upload",
                            "drawing",
                            "code",
                        ]
                    }
                },
                "required": ["type"],
            },
            "then": {"properties": {"options": {"maxItems": 0}}},
        },
    ],
}


class _Generator(GenerateJsonSchema):
    # Pydantic would title every property after its name ("Duration S"); the descriptions say more.
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@dataclass(frozen=True)
class SchemaSpec:
    filename: str
    model: type[BaseModel]
    schema_id: str
    title: str


SCHEMAS = (
    SchemaSpec(
        "course.schema.json",
        CourseManifest,
        "urn:slate:schema:course:1",
        f"Slate course manifest (course.json, {FORMAT_V1})",
    ),
    SchemaSpec(
        "quiz.schema.json",
        QuizFile,
        "urn:slate:schema:quiz:1",
        f"Slate quiz file ({FORMAT_V1})",
    ),
)


def _definitions(schema: dict[str, Any], root_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    yield root_name, schema
    yield from schema.get("$defs", {}).items()


def build_schema(spec: SchemaSpec) -> dict[str, Any]:
    generated = spec.model.model_json_schema(schema_generator=_Generator)
    for name, definition in _definitions(generated, spec.model.__name__):
        texts = DESCRIPTIONS.get(name, {})
        definition.pop("title", None)
        if "" in texts:
            definition.setdefault("description", texts[""])
        for field_name, prop in definition.get("properties", {}).items():
            if field_name in texts:
                prop.setdefault("description", texts[field_name])
        if name in CONDITIONS:
            definition["allOf"] = CONDITIONS[name]
    # Identity first, so the file reads top-down.
    return {
        "$schema": DIALECT,
        "$id": spec.schema_id,
        "title": spec.title,
        **generated,
    }


def render(spec: SchemaSpec) -> str:
    """The schema file's exact text (what is committed in docs/)."""
    return json.dumps(build_schema(spec), indent=2, ensure_ascii=False) + "\n"


def write_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in SCHEMAS:
        path = out_dir / spec.filename
        path.write_text(render(spec), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m app.courses.schema OUTDIR", file=sys.stderr)
        return 2
    for path in write_schemas(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

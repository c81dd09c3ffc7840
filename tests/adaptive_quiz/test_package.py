"""The adaptive parts of a quiz file: refused with the file and key when wrong, stored when
right, and written back by the exporter so a package round-trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.courses.exporter import export_course
from app.courses.importer import CourseImportError, import_course
from app.db.models import Assessment, Question
from app.db.store import Store
from tests.adaptive_quiz.adaptive_course import adaptive_questions, write_adaptive_course
from tests.attempts.quiz_course import COURSE_ID


def _questions(edit: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    questions = adaptive_questions(6)
    for n, fields in edit.items():
        questions[n] = {**questions[n], **fields}
    return questions


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown model", {"adaptive": {"model": "4PL"}}, "settings.adaptive.model"),
    ("zero se", {"adaptive": {"se_stop": 0}}, "settings.adaptive.se_stop"),
    (
        "min above max",
        {"adaptive": {"min_length": 5, "max_length": 3}},
        "'min_length' (5) must not exceed 'max_length' (3)",
    ),
    ("unknown key", {"adaptive": {"stop_at": 0.3}}, "settings.adaptive.stop_at"),
    (
        "pool draw",
        {"settings": {"draw_count": 3}},
        "settings.draw_count: an adaptive quiz chooses its own questions",
    ),
    (
        "too few questions",
        {"adaptive": {"min_length": 7, "max_length": 9}},
        "only 6",
    ),
    (
        "essay",
        {"questions": _questions({2: {"type": "essay", "options": [], "answer": None}})},
        "questions[2] ('a02'): an adaptive quiz needs questions graded at once, not essay",
    ),
    ("a <= 0", {"questions": _questions({1: {"irt": {"a": 0, "b": 0}}})}, "questions[1].irt.a"),
    ("c = 1", {"questions": _questions({1: {"irt": {"b": 0, "c": 1}}})}, "questions[1].irt.c"),
    ("no b", {"questions": _questions({1: {"irt": {"a": 1}}})}, "questions[1].irt.b"),
    (
        "unknown label",
        {"questions": _questions({0: {"irt": None, "difficulty": "tricky"}})},
        "questions[0].difficulty",
    ),
    (
        "c in 2PL",
        {"questions": _questions({3: {"irt": {"b": 0, "c": 0.2}}})},
        "questions[3] ('a03').irt.c: the 2PL model does not use 'c'",
    ),
    (
        "targets without topics",
        {"adaptive": {"topic_targets": {"x": 1}}},
        "questions[0] ('a00'): 'topic' is needed",
    ),
    (
        "unknown target topic",
        {
            "adaptive": {"topic_targets": {"z": 1}},
            "questions": adaptive_questions(6, topics=("x",)),
        },
        "no question has topic(s) z",
    ),
    (
        "negative share",
        {
            "adaptive": {"topic_targets": {"x": -1}},
            "questions": adaptive_questions(6, topics=("x",)),
        },
        "shares must be >= 0",
    ),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_adaptive_input_is_refused_with_the_file_and_key(
    store: Store, tmp_path: Path, case: str, change: dict[str, Any], message: str
) -> None:
    folder = write_adaptive_course(
        tmp_path / "course",
        adaptive=change.get("adaptive"),
        settings=change.get("settings"),
        questions=change.get("questions", adaptive_questions(6)),
    )
    with pytest.raises(CourseImportError) as caught:
        import_course(store, folder)
    text = str(caught.value)
    assert "quizzes/quiz.json" in text and message in text, text
    with store.read() as s:  # nothing half-written
        assert s.scalars(select(Question)).first() is None


def test_parameters_labels_and_topics_are_stored(store: Store, tmp_path: Path) -> None:
    questions = adaptive_questions(4, topics=("x", "y"))
    questions[0] = {**questions[0], "irt": None, "difficulty": "hard"}
    questions[1]["irt"] = {"a": 1.2, "b": -0.4, "c": 0.25}
    folder = write_adaptive_course(
        tmp_path / "course",
        adaptive={"model": "3PL", "se_stop": 0.35, "topic_targets": {"x": 1, "y": 1}},
        questions=questions,
    )
    import_course(store, folder)
    with store.read() as s:
        assessment = s.scalars(select(Assessment)).one()
        assert assessment.adaptive == {
            "model": "3PL",
            "se_stop": 0.35,
            "min_length": 1,
            "max_length": 12,
            "randomesque": 3,
            "topic_targets": {"x": 1.0, "y": 1.0},
        }
        q = {x.question_id: x for x in s.scalars(select(Question))}
        assert (q["a00"].irt_b, q["a00"].difficulty, q["a00"].topic) == (None, "hard", "x")
        assert (q["a01"].irt_a, q["a01"].irt_b, q["a01"].irt_c, q["a01"].topic) == (
            1.2,
            -0.4,
            0.25,
            "y",
        )


def test_an_adaptive_quiz_round_trips_through_export(store: Store, tmp_path: Path) -> None:
    questions = adaptive_questions(5, topics=("x", "y"))
    questions[0] = {**questions[0], "irt": None, "difficulty": "very easy"}
    questions[2]["irt"]["c"] = 0.1
    folder = write_adaptive_course(
        tmp_path / "course",
        adaptive={"model": "3PL", "topic_targets": {"x": 2, "y": 1}, "min_length": 2},
        settings={"time_limit_s": 600},
        questions=questions,
    )
    import_course(store, folder)
    exported = export_course(store, COURSE_ID, tmp_path / "exported").path
    original = json.loads((folder / "quizzes" / "quiz.json").read_text())
    written = json.loads((exported / "quizzes" / "quiz.json").read_text())
    assert written["settings"]["adaptive"] == {
        "model": "3PL",
        "se_stop": 0.45,
        "min_length": 2,
        "max_length": 12,
        "randomesque": 3,
        "topic_targets": {"x": 2.0, "y": 1.0},
    }
    for mine, theirs in zip(original["questions"], written["questions"], strict=True):
        for key in ("irt", "difficulty", "topic"):
            assert theirs.get(key) == mine.get(key), (mine["id"], key)
    # And the export imports again to the same rows.
    second = Store.open(tmp_path / "second")
    try:
        import_course(second, exported)
        again = export_course(second, COURSE_ID, tmp_path / "again").path
        assert (again / "quizzes" / "quiz.json").read_bytes() == (
            exported / "quizzes" / "quiz.json"
        ).read_bytes()
    finally:
        second.close()


def test_export_writes_only_the_parameters_the_model_uses(store: Store, tmp_path: Path) -> None:
    from app.adaptive.params import apply_item_params

    folder = write_adaptive_course(
        tmp_path / "course",
        adaptive={"model": "1PL"},
        questions=[{**q, "irt": {"b": q["irt"]["b"]}} for q in adaptive_questions(3)],
    )
    import_course(store, folder)
    with store.write() as s:  # calibration may send a and c the quiz's model ignores
        apply_item_params(
            s,
            COURSE_ID,
            {"a01": {"a": 1.7, "b": 0.4, "c": 0.1}},
            calibrated_at="2026-12-02T08:00:00+00:00",
        )
    exported = export_course(store, COURSE_ID, tmp_path / "exported").path
    written = json.loads((exported / "quizzes" / "quiz.json").read_text())
    assert written["questions"][1]["irt"] == {"b": 0.4}

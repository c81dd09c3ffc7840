"""Helpers for the search tests: small real course packages written to temp folders."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from app.db.store import Store
from app.search import FTS


def write_course(
    root: Path,
    lessons: dict[str, tuple[str, str]],
    *,
    course_id: str = "test.search",
    version: str = "1",
    title: str = "Search test course",
    questions: list[dict[str, Any]] | None = None,
) -> Path:
    """A package with one module: lessons {id: (title, markdown)} and an optional quiz."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "lessons").mkdir(exist_ok=True)
    items: list[dict[str, Any]] = []
    for item_id, (lesson_title, markdown) in lessons.items():
        (root / "lessons" / f"{item_id}.md").write_text(markdown, encoding="utf-8")
        items.append(
            {
                "id": item_id,
                "title": lesson_title,
                "kind": "lesson",
                "file": f"lessons/{item_id}.md",
            }
        )
    if questions:
        (root / "quizzes").mkdir(exist_ok=True)
        quiz = {"type": "quiz", "settings": {"passing_score": 0.5}, "questions": questions}
        (root / "quizzes" / "quiz.json").write_text(json.dumps(quiz), encoding="utf-8")
        items.append({"id": "quiz", "title": "Check", "kind": "quiz", "file": "quizzes/quiz.json"})
    manifest = {
        "format": "slate-course/1",
        "id": course_id,
        "version": version,
        "title": title,
        "modules": [{"id": "m1", "title": "Module", "items": items}],
    }
    (root / "course.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def true_false(question_id: str, prompt: str) -> dict[str, Any]:
    return {"id": question_id, "type": "true_false", "prompt": prompt, "answer": True}


def fts_integrity_ok(store: Store) -> bool:
    """FTS5's own check that the index matches its content table."""
    with sqlite3.connect(store.db_path) as conn:
        conn.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES('integrity-check', 1)")
    return True

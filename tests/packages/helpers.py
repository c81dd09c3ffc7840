"""Helpers for the package-format tests: manifest edits, and a comparison of two stores'
course content that ignores row numbers and timestamps."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.db.store import Store

COURSE = "demo.speed-distance-time"


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


# Table -> (query, columns to ignore). Surrogate keys are replaced by the stable ids they stand
# for (joins), timestamps are left out; every other column is compared.
_CONTENT_QUERIES: dict[str, tuple[str, set[str]]] = {
    "courses": ("SELECT * FROM courses", {"imported_at"}),
    "modules": ("SELECT * FROM modules", {"pk"}),
    "items": (
        "SELECT i.*, m.module_id AS in_module FROM items i JOIN modules m ON m.pk = i.module_pk",
        {"pk", "module_pk"},
    ),
    "subtitle_tracks": (
        "SELECT t.*, i.course_id AS course, i.item_id AS item FROM subtitle_tracks t "
        "JOIN items i ON i.pk = t.item_pk",
        {"pk", "item_pk"},
    ),
    "assessments": (
        "SELECT a.*, i.course_id AS course, i.item_id AS item FROM assessments a "
        "JOIN items i ON i.pk = a.item_pk",
        {"pk", "item_pk"},
    ),
    "questions": (
        "SELECT q.*, i.course_id AS course, i.item_id AS item FROM questions q "
        "JOIN assessments a ON a.pk = q.assessment_pk JOIN items i ON i.pk = a.item_pk",
        {"pk", "assessment_pk"},
    ),
    "media": ("SELECT * FROM media", set()),
    "course_files": ("SELECT * FROM course_files", set()),
}


def course_content(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every content row of the store, row by row, in a stable order."""
    content: dict[str, list[dict[str, Any]]] = {}
    with sqlite3.connect(store.db_path) as conn:
        conn.row_factory = sqlite3.Row
        for table, (query, ignored) in _CONTENT_QUERIES.items():
            rows = [
                {k: row[k] for k in row.keys() if k not in ignored}  # noqa: SIM118
                for row in conn.execute(query)
            ]
            content[table] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
    content["media files on disk"] = [
        {"path": p.relative_to(store.media_dir).as_posix()}
        for p in sorted(store.media_dir.rglob("*"))
        if p.is_file() and p.parent.name != "tmp"
    ]
    return content


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }

"""Shared helpers for the question bank tests: the corpus' expected results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS

EXPECTED_FILE = CORPUS / "expected.json"
BANK_FOLDERS = ("gift/", "aiken/", "qti/")


def expected_entries() -> list[Any]:
    """(relative path, expectation) for every bank file expected.json lists."""
    if not EXPECTED_FILE.exists():
        return [pytest.param("", {}, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))]
    data = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
    return [
        pytest.param(name, want, id=name)
        for name, want in data.items()
        if name.startswith(BANK_FOLDERS)
    ]


def count_rows(data_dir: Path) -> dict[str, int]:
    """Row counts of the bank tables, read with plain sqlite3 (not through Slate)."""
    import sqlite3

    with sqlite3.connect(data_dir / "slate.db") as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("question_banks", "bank_questions", "courses")
        }

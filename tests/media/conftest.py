"""Fixtures for the media tests: writable copies of the demo course to change or break."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.db.store import Store

DATA = Path(__file__).parent / "data"
VIDEO = "media/speed-intro.mp4"
VIDEO_ITEM = "intro-video"
COURSE = "demo.speed-distance-time"
# The demo video as ffprobe reports it: H.264, 640x360, 12 fps, 938 frames (78.167 s).
DEMO_WIDTH, DEMO_HEIGHT, DEMO_FPS, DEMO_FRAMES = 640, 360, 12.0, 938

CONTENT_TABLES = (
    "courses",
    "modules",
    "items",
    "assessments",
    "questions",
    "media",
    "course_files",
    "subtitle_tracks",
    "events",
    "progress",
)


@pytest.fixture
def package(tmp_path: Path, demo_dir: Path) -> Path:
    """A writable copy of the demo course."""
    dest = tmp_path / "pkg"
    shutil.copytree(demo_dir, dest)
    return dest


def edit_manifest(pkg: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((pkg / "course.json").read_text("utf-8"))
    change(manifest)
    (pkg / "course.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def video_item(manifest: dict[str, Any]) -> dict[str, Any]:
    return next(i for m in manifest["modules"] for i in m["items"] if i["id"] == VIDEO_ITEM)


def snapshot(store: Store) -> dict[str, object]:
    """Row counts of every content table plus the media files on disk."""
    with sqlite3.connect(store.db_path) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTENT_TABLES
        }
    files = (
        sorted(
            str(p.relative_to(store.media_dir)) for p in store.media_dir.rglob("*") if p.is_file()
        )
        if store.media_dir.exists()
        else []
    )
    return {"rows": counts, "files": files}

"""What is stored: course summaries and outlines with a learner's progress, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Course, CourseFile, Item, ItemKind, Media, Module
from app.media_store import media_path
from app.progress import course_progress, item_progress


@dataclass(frozen=True)
class CourseSummary:
    id: str
    version: str
    title: str
    description: str
    language: str
    level: str
    items_total: int
    items_completed: int

    @property
    def progress(self) -> float:
        return self.items_completed / self.items_total if self.items_total else 0.0


@dataclass(frozen=True)
class OutlineItem:
    item_id: str
    kind: ItemKind
    title: str
    completed: bool
    started: bool
    best_score: float | None


@dataclass(frozen=True)
class OutlineModule:
    module_id: str
    title: str
    items: list[OutlineItem] = field(default_factory=list)


def list_courses(session: Session, user_id: str | None = None) -> list[CourseSummary]:
    out = []
    for course in session.scalars(select(Course).order_by(Course.title)):
        if user_id:
            prog = course_progress(session, user_id, course.id)
            total, done = prog.items_total, prog.items_completed
        else:
            total = len(
                session.scalars(
                    select(Item.pk).where(Item.course_id == course.id, Item.retired.is_(False))
                ).all()
            )
            done = 0
        out.append(
            CourseSummary(
                course.id,
                course.version,
                course.title,
                course.description,
                course.language,
                course.level,
                total,
                done,
            )
        )
    return out


def course_outline(session: Session, course_id: str, user_id: str) -> list[OutlineModule]:
    progress = item_progress(session, user_id, course_id)
    modules = session.scalars(
        select(Module)
        .where(Module.course_id == course_id, Module.retired.is_(False))
        .order_by(Module.position)
    )
    outline = []
    for module in modules:
        entries = []
        for item in module.items:
            if item.retired:
                continue
            p = progress.get(item.item_id)
            entries.append(
                OutlineItem(
                    item.item_id,
                    item.kind,
                    item.title,
                    bool(p and p.completed),
                    bool(p and p.started),
                    p.best_score if p else None,
                )
            )
        outline.append(OutlineModule(module.module_id, module.title, entries))
    return outline


def get_item(session: Session, course_id: str, item_id: str) -> Item:
    item = session.scalar(select(Item).where(Item.course_id == course_id, Item.item_id == item_id))
    if item is None:
        raise LookupError(f"no item {item_id!r} in course {course_id!r}")
    return item


def stored_file(session: Session, media_dir: Path, sha256: str) -> Path:
    media = session.get(Media, sha256)
    if media is None:
        raise LookupError(f"no media {sha256}")
    return media_path(media_dir, sha256, media.ext)


def course_file_path(session: Session, media_dir: Path, course_id: str, path: str) -> Path | None:
    """Where a package file (e.g. a lesson image) is stored; None if the course has none."""
    row = session.get(CourseFile, (course_id, path))
    return stored_file(session, media_dir, row.sha256) if row else None


def lesson_paths(session: Session, course_id: str) -> dict[str, str]:
    """Package path of each lesson's Markdown file -> item id, to follow links between lessons."""
    rows = session.execute(
        select(Item.source_path, Item.item_id).where(
            Item.course_id == course_id, Item.retired.is_(False), Item.source_path != ""
        )
    )
    return {path: item_id for path, item_id in rows}

"""Writing a stored course back out as a package (a folder or a .zip) that imports to the same
content.

The manifest and quizzes are rebuilt from the stored rows through the same pydantic models the
importer validates with, so an export is a valid package by construction. Lessons are written
as stored under their original package paths; media, images and subtitles are copied from the
content-addressed store under the paths `course_files` remembers, each checked against its
sha256 on the way. Retired modules, items and questions are left out: the package describes the
course as its current version has it.

The package is written to a temporary name beside the destination, fsynced and renamed, so a
failed or interrupted export never leaves a half-written package under the real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.courses.manifest import FORMAT_V1, CourseManifest, QuizFile, spec_fields_from_key
from app.courses.package import (
    MANIFEST,
    MAX_ZIP_RATIO,
    PackageError,
    format_validation_error,
    normalise_member,
)
from app.db.models import Assessment, Course, CourseFile, Item, ItemKind, Media, Module, Question
from app.db.store import Store
from app.media_store import media_path

# progress(done, total, what): units are bytes written.
ProgressCallback = Callable[[int, int, str], None]

COPY_CHUNK = 4 * 1024 * 1024
# Files up to this size are compressed in memory first, to choose between deflate and store.
_COMPRESS_CHECK_LIMIT = 8 * 1024 * 1024
# Stay well inside the importer's zip-bomb ratio, so an export always imports back.
_SAFE_RATIO = MAX_ZIP_RATIO / 4


class CourseExportError(Exception):
    """The course could not be exported; nothing was written under the destination name."""


@dataclass(frozen=True)
class ExportResult:
    course_id: str
    version: str
    path: Path
    files: int
    bytes: int


@dataclass(frozen=True)
class _StoredFile:
    """A package file whose bytes come from the media store."""

    sha256: str
    size: int
    source: Path


# A package path -> its bytes (manifest, lessons, quizzes) or a file in the media store.
_Contents = dict[str, bytes | _StoredFile]


def export_course(
    store: Store, course_id: str, dest: Path, *, progress: ProgressCallback | None = None
) -> ExportResult:
    """Write course `course_id` to `dest`: a .zip when its name ends in .zip, else a folder."""
    report = progress or (lambda _d, _t, _w: None)
    if dest.exists() or dest.is_symlink():
        raise CourseExportError(f"{dest}: already exists; choose a new name")
    if not dest.parent.is_dir():
        raise CourseExportError(f"{dest.parent}: no such folder")
    with store.read() as session:
        course = session.get(Course, course_id)
        if course is None:
            raise CourseExportError(f"no course {course_id!r} in the store")
        version = course.version
        contents = _PackageBuilder(session, store.media_dir, course).build()
    total = sum(len(c) if isinstance(c, bytes) else c.size for c in contents.values())
    try:
        if dest.suffix.lower() == ".zip":
            _write_zip(dest, contents, total, report)
        else:
            _write_folder(dest, contents, total, report)
    except OSError as exc:
        raise CourseExportError(f"{dest}: {exc.strerror or exc}") from None
    report(total, total, "Done")
    return ExportResult(course_id, version, dest, len(contents), total)


class _PackageBuilder:
    """Collects the files of the package one course exports to, checking as it goes."""

    def __init__(self, session: Session, media_dir: Path, course: Course) -> None:
        self.session = session
        self.media_dir = media_dir
        self.course = course
        rows = session.scalars(select(CourseFile).where(CourseFile.course_id == course.id))
        self.course_files = {row.path: row.sha256 for row in rows}
        self.paths_by_sha: dict[str, list[str]] = {}
        for path, sha in sorted(self.course_files.items()):
            self.paths_by_sha.setdefault(sha, []).append(path)
        self.texts: dict[str, bytes] = {}

    def build(self) -> _Contents:
        """Every file of the package by package path: course.json, lessons and quizzes, media."""
        course = self.course
        modules = [
            {
                "id": module.module_id,
                "title": module.title,
                "items": [
                    self._item_spec(item)
                    for item in sorted(module.items, key=lambda i: i.position)
                    if not item.retired
                ],
            }
            for module in self.session.scalars(
                select(Module)
                .where(Module.course_id == course.id, Module.retired.is_(False))
                .order_by(Module.position)
            )
        ]
        manifest: dict[str, Any] = {
            "format": FORMAT_V1,
            "id": course.id,
            "version": course.version,
            "title": course.title,
        }
        for name in ("description", "language", "level", "license"):
            if getattr(course, name):
                manifest[name] = getattr(course, name)
        manifest["modules"] = modules
        manifest_json = _dump(_validated(CourseManifest, manifest, f"course {course.id!r}"))

        stored = self._stored_files()
        clash = sorted((set(stored) & set(self.texts)) | ({MANIFEST} & {*stored, *self.texts}))
        if clash:
            raise CourseExportError(
                f"course {course.id!r}: {clash[0]} is both a media file and a lesson, quiz or "
                "manifest"
            )
        return {MANIFEST: manifest_json, **self.texts, **stored}

    def _item_spec(self, item: Item) -> dict[str, Any]:
        kind = ItemKind(item.kind)
        spec: dict[str, Any] = {"id": item.item_id, "title": item.title, "kind": kind.value}
        source = _source_path(self.course.id, item)
        if kind == ItemKind.QUIZ:
            spec["file"] = source
            self._claim(source, _quiz_json(self.course.id, item, source), item)
        elif kind == ItemKind.LESSON:
            spec["file"] = source
            self._claim(source, item.body_md.encode("utf-8"), item)
        else:
            if item.media_sha256 is None:
                raise CourseExportError(f"{self._where(item)} has no media file")
            # A document, or a video without notes, has its own file as source path.
            if self.course_files.get(source) == item.media_sha256:
                spec["file"] = source
            else:
                spec["file"] = self._path_of(item.media_sha256, item, "file")
                if kind == ItemKind.VIDEO:
                    spec["notes"] = source
                    self._claim(source, item.body_md.encode("utf-8"), item)
        if kind == ItemKind.VIDEO:
            tracks = sorted(item.subtitles, key=lambda t: t.pk)
            if tracks:
                spec["subtitles"] = [
                    {
                        "language": t.language,
                        "label": t.label,
                        "file": self._path_of(t.sha256, item, f"{t.language} subtitles"),
                    }
                    for t in tracks
                ]
            if item.duration_s is not None:
                spec["duration_s"] = item.duration_s
            if item.chapters:
                # Whether they came as a list or as a chapters track, they go out as a list.
                spec["chapters"] = item.chapters
        return spec

    def _path_of(self, sha: str, item: Item, what: str) -> str:
        # Byte-identical files under several names share one sha; any of those names holds the
        # same bytes, so the first (sorted) is a faithful and stable choice.
        if sha not in self.paths_by_sha:
            raise CourseExportError(f"{self._where(item)}: its {what} has no package path")
        return self.paths_by_sha[sha][0]

    def _claim(self, path: str, data: bytes, item: Item) -> None:
        known = self.texts.get(path)
        if known is not None and known != data:
            raise CourseExportError(
                f"{self._where(item)}: {path} would be written twice with different content"
            )
        self.texts[path] = data

    def _stored_files(self) -> dict[str, _StoredFile]:
        stored: dict[str, _StoredFile] = {}
        for sha, paths in self.paths_by_sha.items():
            media = self.session.get(Media, sha)
            if media is None:
                raise CourseExportError(f"course {self.course.id!r}: {paths[0]}: no media {sha}")
            for path in paths:
                stored[path] = _StoredFile(
                    sha, media.size, media_path(self.media_dir, sha, media.ext)
                )
        return dict(sorted(stored.items()))

    def _where(self, item: Item) -> str:
        return f"course {self.course.id!r}: item {item.item_id!r}"


def _source_path(course_id: str, item: Item) -> str:
    # The importer keeps some manifest paths as written ("media/./a.pdf"); course_files and the
    # package use the normalised form.
    try:
        return normalise_member(item.source_path)
    except PackageError as exc:
        raise CourseExportError(
            f"course {course_id!r}: item {item.item_id!r}: stored source path {exc}"
        ) from None


def _quiz_json(course_id: str, item: Item, path: str) -> bytes:
    assessment: Assessment | None = item.assessment
    if assessment is None:
        raise CourseExportError(f"course {course_id!r}: quiz {item.item_id!r} has no questions")
    model = (assessment.adaptive or {}).get("model", "3PL")
    quiz = {
        "type": assessment.type,
        "settings": {
            "passing_score": assessment.passing_score,
            "time_limit_s": assessment.time_limit_s,
            "max_attempts": assessment.max_attempts,
            "shuffle_questions": assessment.shuffle_questions,
            "shuffle_options": assessment.shuffle_options,
            "attempt_policy": assessment.attempt_policy,
            "draw_count": assessment.draw_count,
            "hint_penalty": assessment.hint_penalty,
            "ask_confidence": assessment.ask_confidence,
            "feedback_timing": assessment.feedback_timing,
            "available_from": _iso(assessment.available_from),
            "available_until": _iso(assessment.available_until),
            "due_at": _iso(assessment.due_at),
            **({"adaptive": assessment.adaptive} if assessment.adaptive is not None else {}),
        },
        "questions": [
            _question_spec(q) | _adaptive_fields(q, model)
            for q in sorted(assessment.questions, key=lambda q: q.position)
            if not q.retired
        ],
    }
    return _dump(_validated(QuizFile, quiz, f"course {course_id!r}: {path}"))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _adaptive_fields(q: Question, model: str) -> dict[str, Any]:
    """A question's irt, difficulty and topic keys; only the parameters its quiz's model uses
    (calibration may have stored an a or c the model ignores)."""
    fields: dict[str, Any] = {}
    if q.irt_b is not None:
        used = {"1PL": ("b",), "2PL": ("a", "b")}.get(model, ("a", "b", "c"))
        values = {"a": q.irt_a, "b": q.irt_b, "c": q.irt_c}
        fields["irt"] = {k: v for k, v in values.items() if k in used and v is not None}
    if q.difficulty is not None:
        fields["difficulty"] = q.difficulty
    if q.topic is not None:
        fields["topic"] = q.topic
    return fields


def _question_spec(q: Question) -> dict[str, Any]:
    """The quiz-file form of a stored question (the inverse of QuestionSpec.grading_key)."""
    spec: dict[str, Any] = {"id": q.question_id, "type": q.type, "prompt": q.prompt_md}
    if q.points != 1.0:
        spec["points"] = q.points
    feedback = {k: v for k, v in q.feedback.items() if v}
    if feedback:
        spec["feedback"] = feedback
    if q.options:
        spec["options"] = [
            {k: v for k, v in option.items() if k != "feedback" or v} for option in q.options
        ]
    key = q.key
    if q.type == "short_answer":
        spec["answers"] = key["answers"]
        if key.get("case_sensitive"):
            spec["case_sensitive"] = True
    elif "answer" in key and "answers" not in key:
        spec["answer"] = key["answer"]
    if q.type == "multiple_choice":
        spec["scoring"] = key.get("scoring", "all_or_nothing")
    if q.type == "numeric":
        if key.get("tolerance") and "answers" not in key:
            spec["tolerance"] = key["tolerance"]
        if key.get("unit"):
            spec["unit"] = key["unit"]
    return spec | spec_fields_from_key(q.type, key)


def _validated(model: type[BaseModel], data: dict[str, Any], what: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CourseExportError(
            f"{what}: the stored content does not fit {FORMAT_V1}: {format_validation_error(exc)}"
        ) from None


def _dump(model: BaseModel) -> bytes:
    # Only what was set: defaults stay implicit, as an author would write the file.
    data = model.model_dump(mode="json", exclude_unset=True)
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- writing --------------------------------------------------------------------------------


def _stored_chunks(path: str, stored: _StoredFile) -> Iterator[bytes]:
    """The stored file's bytes, refusing a file that no longer matches its sha256."""
    digest = hashlib.sha256()
    seen = 0
    try:
        with stored.source.open("rb") as f:
            while chunk := f.read(COPY_CHUNK):
                digest.update(chunk)
                seen += len(chunk)
                yield chunk
    except FileNotFoundError:
        raise CourseExportError(f"{path}: its stored copy {stored.source} is missing") from None
    if seen != stored.size or digest.hexdigest() != stored.sha256:
        raise CourseExportError(
            f"{path}: its stored copy {stored.source} is damaged (sha256 does not match)"
        )


def _write_folder(
    dest: Path, contents: _Contents, total: int, report: Callable[[int, int, str], None]
) -> None:
    tmp = _partial_name(dest)
    tmp.mkdir()
    try:
        done = 0
        for path, data in contents.items():
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                chunks = [data] if isinstance(data, bytes) else _stored_chunks(path, data)
                for chunk in chunks:
                    out.write(chunk)
                    done += len(chunk)
                    report(done, total, f"Writing {path}")
                out.flush()
                os.fsync(out.fileno())
        for folder in sorted({p.parent for p in tmp.rglob("*")}, reverse=True):
            _fsync_dir(folder)
        tmp.rename(dest)
        _fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_zip(
    dest: Path, contents: _Contents, total: int, report: Callable[[int, int, str], None]
) -> None:
    tmp_name = _partial_name(dest)
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    stamp = time.localtime()[:6]
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
                done = 0
                for path, data in contents.items():
                    info = zipfile.ZipInfo(path, date_time=stamp)
                    info.external_attr = (stat.S_IFREG | 0o644) << 16
                    size = len(data) if isinstance(data, bytes) else data.size
                    info.file_size = size
                    if isinstance(data, _StoredFile) and size <= _COMPRESS_CHECK_LIMIT:
                        data = b"".join(_stored_chunks(path, data))
                    info.compress_type = _compression_for(data)
                    with zf.open(info, "w") as member:
                        chunks = [data] if isinstance(data, bytes) else _stored_chunks(path, data)
                        for chunk in chunks:
                            member.write(chunk)
                            done += len(chunk)
                            report(done, total, f"Writing {path}")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp_name, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        tmp_name.unlink(missing_ok=True)
        raise


def _partial_name(dest: Path) -> Path:
    # Beside the destination (so the final rename stays on one file system), hidden, and made
    # with the usual permissions (mkstemp/mkdtemp would make them private to this user).
    return dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.partial")


def _compression_for(data: bytes | _StoredFile) -> int:
    """Deflate what shrinks, but never so much that the importer would call it a zip bomb;
    large media (already compressed formats) are stored as they are."""
    if not isinstance(data, bytes) or not data:
        return zipfile.ZIP_STORED
    compressed = len(zlib.compress(data, 6))
    if compressed > 0.9 * len(data) or len(data) / compressed > _SAFE_RATIO:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def _fsync_dir(path: Path) -> None:
    # A rename is durable only once its folder is synced (not possible on Windows: skip there).
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

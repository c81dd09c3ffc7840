"""Importing a course package into a store, atomically and with progress.

Phase 1 reads and validates the whole package without touching the store: subtitles are parsed
(SRT converted to WebVTT) and every video or audio file is probed (app.media_probe), so a file the
player could not show is refused here. Phase 2 copies media and thumbnails into the
content-addressed folder (streamed, hashed). Phase 3 writes every row in ONE transaction.
If anything fails, the transaction is rolled back and media files this import created are
removed, so the store is exactly as before.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.courses.adaptive_spec import IrtSpec
from app.courses.manifest import CourseManifest, ItemSpec, QuizFile
from app.courses.package import MANIFEST, MAX_LESSON_BYTES, PackageError, PackageReader
from app.db.models import (
    Assessment,
    Course,
    CourseFile,
    Item,
    ItemKind,
    Media,
    Module,
    Question,
    SubtitleTrack,
)
from app.db.store import Store
from app.lessons import local_references
from app.media_probe import MediaProbe, MediaProbeError, probe_media
from app.media_store import StoredMedia, store_stream
from app.search import index_course
from app.subtitles import (
    Chapter,
    SubtitleError,
    SubtitleFile,
    chapters_from_cues,
    chapters_problem,
    read_subtitles,
)

# progress(done, total, what): units are bytes of videos probed and of media copied, plus one
# per item.
ProgressCallback = Callable[[int, int, str], None]


class CourseImportError(Exception):
    """The package was refused; the store is unchanged. str() names the file and the problem."""


@dataclass
class _ItemPlan:
    spec: ItemSpec
    module_id: str
    body_md: str = ""
    source_path: str = ""
    media_path: str | None = None
    subtitle_paths: list[tuple[str, str, str]] = field(default_factory=list)
    quiz: QuizFile | None = None
    chapters: list[Chapter] = field(default_factory=list)
    # Where the chapters came from, for errors: (file, JSON path prefix).
    chapters_source: tuple[str, str] = (MANIFEST, "")


@dataclass
class _Plan:
    manifest: CourseManifest
    items: list[_ItemPlan]
    media_paths: list[str]
    # SRT subtitles converted to WebVTT: stored path (".vtt") -> the WebVTT bytes to store.
    converted: dict[str, bytes] = field(default_factory=dict)
    probes: dict[str, MediaProbe] = field(default_factory=dict)
    thumbnails: dict[str, StoredMedia] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    course_id: str
    version: str
    title: str
    status: str  # "imported", "updated" or "unchanged"
    items: int
    questions: int
    media_files: int
    media_bytes: int


def read_package(reader: PackageReader) -> _Plan:
    """Validate everything in the package; raises PackageError naming the file."""
    manifest: CourseManifest = reader.read_model(MANIFEST, CourseManifest)
    media: list[str] = []
    items: list[_ItemPlan] = []
    converted: dict[str, bytes] = {}

    def need(path: str, where: str, referenced_by: str = MANIFEST) -> str:
        return reader.require(path, referenced_by=referenced_by, where=where)

    for m_index, module in enumerate(manifest.modules):
        for i_index, spec in enumerate(module.items):
            where = f"modules[{m_index}].items[{i_index}]"
            plan = _ItemPlan(spec=spec, module_id=module.id)
            file = need(spec.file, f"{where}.file")
            if spec.kind == "lesson":
                plan.source_path = file
                plan.body_md = reader.read_text(file, limit=MAX_LESSON_BYTES)
                media += _lesson_assets(reader, file, plan.body_md)
            elif spec.kind == "quiz":
                plan.quiz = reader.read_model(file, QuizFile)
            else:
                if reader.size(file) == 0:
                    raise PackageError(file, "the file is empty")
                plan.media_path = file
                media.append(file)
            if spec.kind == "video":
                if spec.notes:
                    plan.source_path = need(spec.notes, f"{where}.notes")
                    plan.body_md = reader.read_text(plan.source_path, limit=MAX_LESSON_BYTES)
                    media += _lesson_assets(reader, plan.source_path, plan.body_md)
                if spec.chapters:
                    plan.chapters = [Chapter(c.title, c.start_s) for c in spec.chapters]
                    plan.chapters_source = (MANIFEST, f"{where}: ")
                for s_index, sub in enumerate(spec.subtitles):
                    sub_path = need(sub.file, f"{where}.subtitles[{s_index}].file")
                    track = _read_subtitles(reader, sub_path)
                    if sub.kind == "chapters":
                        # Kept as items.chapters only: the track is not a subtitle language.
                        plan.chapters = chapters_from_cues(track.cues)
                        plan.chapters_source = (sub_path, "")
                        continue
                    stored_path = sub_path
                    if track.converted:
                        stored_path = _converted_path(reader, sub_path)
                        converted[stored_path] = track.vtt_text.encode("utf-8")
                    plan.subtitle_paths.append((sub.language, sub.label, stored_path))
                    media.append(stored_path)
            items.append(plan)
    return _Plan(manifest, items, list(dict.fromkeys(media)), converted)


def _read_subtitles(reader: PackageReader, path: str) -> SubtitleFile:
    try:
        return read_subtitles(reader.read_bytes(path, limit=MAX_LESSON_BYTES), name=path)
    except SubtitleError as exc:
        raise PackageError(path, str(exc).removeprefix(f"{path}: ")) from None


def _converted_path(reader: PackageReader, srt_path: str) -> str:
    """Where an SRT file's WebVTT conversion is recorded: `x.srt` -> `x.vtt` (or `x.srt.vtt`
    when the package has its own `x.vtt`), so an export writes WebVTT under a .vtt name."""
    for candidate in (srt_path.rsplit(".", 1)[0] + ".vtt", srt_path + ".vtt"):
        if not reader.has(candidate):
            return candidate
    raise PackageError(srt_path, "cannot be converted to WebVTT: both .vtt names are taken")


def _probe_videos(
    reader: PackageReader, plan: _Plan, paths: list[str], advance: Callable[[int, str], None]
) -> None:
    """Refuse a video the player could not show, and chapters that do not fit in it."""
    for path in paths:
        advance(0, f"Checking {path}")
        with _local_copy(reader, path) as local:
            try:
                plan.probes[path] = probe_media(local)
            except MediaProbeError as exc:
                raise PackageError(path, str(exc)) from None
        advance(reader.size(path), f"Checked {path}")
    for item in plan.items:
        probe = plan.probes.get(item.media_path or "")
        duration = probe.duration_s if probe else item.spec.duration_s
        problem = chapters_problem(item.chapters, duration)
        if problem:
            file, prefix = item.chapters_source
            raise PackageError(file, prefix + problem)


@contextmanager
def _local_copy(reader: PackageReader, path: str) -> Iterator[Path]:
    """OpenCV opens files by name: a folder package's own file, or a zip member copied out."""
    if reader.source.is_dir():
        yield reader.source / path
        return
    with tempfile.TemporaryDirectory(prefix="slate-probe-") as tmp:
        local = Path(tmp) / f"media{Path(path).suffix}"
        with local.open("wb") as out:
            for chunk in reader.iter_chunks(path):
                out.write(chunk)
        yield local


def _media_size(reader: PackageReader, plan: _Plan, path: str) -> int:
    converted = plan.converted.get(path)
    return len(converted) if converted is not None else reader.size(path)


def _media_chunks(reader: PackageReader, plan: _Plan, path: str) -> Iterable[bytes]:
    converted = plan.converted.get(path)
    return [converted] if converted is not None else reader.iter_chunks(path)


def is_older(candidate: str, stored: str) -> bool:
    """True when both labels are dotted numbers (1.2, v2.0.1) and `candidate` is lower.
    Labels that are not numbers cannot be ordered, so they never count as older."""

    def parts(label: str) -> tuple[int, ...] | None:
        pieces = label.strip().lstrip("vV").split(".")
        return tuple(int(p) for p in pieces) if all(p.isdigit() for p in pieces) else None

    a, b = parts(candidate), parts(stored)
    return a is not None and b is not None and a < b


def _lesson_assets(reader: PackageReader, lesson_path: str, body: str) -> list[str]:
    images, links = local_references(body, lesson_path)
    for path in sorted(images | links):
        if path.startswith("../") or path == "..":
            raise PackageError(lesson_path, f"'{path}' leaves the package")
    missing = sorted(p for p in images if not reader.has(p))
    if missing:
        raise PackageError(lesson_path, f"image '{missing[0]}' is not in the package")
    return sorted(images)


def import_course(
    store: Store, source: Path, *, progress: ProgressCallback | None = None
) -> ImportResult:
    report = progress or (lambda _d, _t, _w: None)
    try:
        with PackageReader(source) as reader:
            plan = read_package(reader)
            manifest = plan.manifest
            with store.read() as session:
                existing = session.get(Course, manifest.id)
                if existing is not None and existing.version == manifest.version:
                    return _result(manifest, plan, "unchanged", 0)
                if existing is not None and is_older(manifest.version, existing.version):
                    raise PackageError(
                        MANIFEST,
                        f"version {manifest.version} is older than the version already stored "
                        f"({existing.version}); Slate does not go back to an older version",
                    )
            probe_paths = list(
                dict.fromkeys(
                    p.media_path for p in plan.items if p.spec.kind == "video" and p.media_path
                )
            )
            total = (
                sum(reader.size(p) for p in probe_paths)
                + sum(_media_size(reader, plan, p) for p in plan.media_paths)
                + len(plan.items)
            )
            done = 0

            def advance(n: int, what: str) -> None:
                nonlocal done
                done += n
                report(done, total, what)

            report(0, total, "Checking package")
            _probe_videos(reader, plan, probe_paths, advance)
            stored: dict[str, StoredMedia] = {}
            try:
                for path in plan.media_paths:
                    stored[path] = store_stream(
                        store.media_dir,
                        _media_chunks(reader, plan, path),
                        path,
                        on_bytes=functools.partial(_copying, advance, path),
                    )
                for path, probe in plan.probes.items():
                    if probe.thumbnail_jpeg:
                        plan.thumbnails[path] = store_stream(
                            store.media_dir, [probe.thumbnail_jpeg], "thumbnail.jpg"
                        )
                with store.write() as session:
                    status = _write_course(session, plan, stored, lambda w: advance(1, w))
                    # In the same transaction: a failed import leaves the search index as it was.
                    index_course(session, store.media_dir, manifest.id)
            except BaseException:
                for media in [*stored.values(), *plan.thumbnails.values()]:
                    if media.created:
                        media.path.unlink(missing_ok=True)
                raise
            report(total, total, "Done")
            return _result(manifest, plan, status, sum(m.size for m in stored.values()))
    except PackageError as exc:
        raise CourseImportError(str(exc)) from None
    except OSError as exc:
        raise CourseImportError(f"{source}: {exc.strerror or exc}") from None
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise CourseImportError(f"{source}: could not write to the store: {reason}") from None


def _copying(advance: Callable[[int, str], None], path: str, n: int) -> None:
    advance(n, f"Copying {path}")


def _result(manifest: CourseManifest, plan: _Plan, status: str, media_bytes: int) -> ImportResult:
    questions = sum(len(p.quiz.questions) for p in plan.items if p.quiz)
    return ImportResult(
        manifest.id,
        manifest.version,
        manifest.title,
        status,
        len(plan.items),
        questions,
        len(plan.media_paths),
        media_bytes,
    )


def _write_course(
    session: Session,
    plan: _Plan,
    stored: dict[str, StoredMedia],
    step: Callable[[str], None],
) -> str:
    manifest = plan.manifest
    rows: dict[str, Media] = {}
    for media in [*stored.values(), *plan.thumbnails.values()]:
        row = rows.get(media.sha256) or session.get(Media, media.sha256)
        if row is None:
            row = Media(sha256=media.sha256, size=media.size, mime=media.mime, ext=media.ext)
            session.add(row)
        rows[media.sha256] = row
    for path, probe in plan.probes.items():
        thumbnail = plan.thumbnails.get(path)
        _record_probe(rows[stored[path].sha256], probe, thumbnail.sha256 if thumbnail else None)
    course = session.get(Course, manifest.id)
    status = "updated" if course else "imported"
    fields: dict[str, Any] = dict(
        version=manifest.version,
        title=manifest.title,
        description=manifest.description,
        language=manifest.language,
        level=manifest.level,
        license=manifest.license,
    )
    if course is None:
        course = Course(id=manifest.id, **fields)
        session.add(course)
    else:
        for name, value in fields.items():
            setattr(course, name, value)
    session.flush()

    session.query(CourseFile).filter(CourseFile.course_id == course.id).delete()
    for path, media in stored.items():
        session.add(CourseFile(course_id=course.id, path=path, sha256=media.sha256))

    # Match modules and items by their stable ids; what the new version lacks is retired.
    modules = {
        m.module_id: m for m in session.scalars(select(Module).where(Module.course_id == course.id))
    }
    items = {i.item_id: i for i in session.scalars(select(Item).where(Item.course_id == course.id))}
    for m in modules.values():
        m.retired = True
    for i in items.values():
        i.retired = True
    for position, mspec in enumerate(manifest.modules):
        module = modules.get(mspec.id)
        if module is None:
            module = Module(
                course_id=course.id, module_id=mspec.id, title=mspec.title, position=position
            )
            session.add(module)
            modules[mspec.id] = module
        module.title, module.position, module.retired = mspec.title, position, False
    session.flush()

    positions: dict[str, int] = {}
    for item_plan in plan.items:
        spec = item_plan.spec
        module = modules[item_plan.module_id]
        positions[module.module_id] = positions.get(module.module_id, -1) + 1
        item = items.get(spec.id)
        if item is None:
            item = Item(course_id=course.id, item_id=spec.id)
            session.add(item)
        item.module_pk = module.pk
        item.kind = ItemKind(spec.kind)
        item.title = spec.title
        item.position = positions[module.module_id]
        item.retired = False
        item.body_md = item_plan.body_md
        item.source_path = item_plan.source_path or spec.file
        item.media_sha256 = stored[item_plan.media_path].sha256 if item_plan.media_path else None
        item_probe = plan.probes.get(item_plan.media_path or "")
        item.duration_s = item_probe.duration_s if item_probe else spec.duration_s
        item.chapters = [c.as_json() for c in item_plan.chapters]
        item.subtitles = [
            SubtitleTrack(language=lang, label=label, sha256=stored[path].sha256)
            for lang, label, path in item_plan.subtitle_paths
        ]
        session.flush()
        if item_plan.quiz is not None:
            _write_assessment(session, item, item_plan.quiz)
        step(f"Stored {spec.title}")
    return status


def _record_probe(row: Media, probe: MediaProbe, thumbnail_sha256: str | None) -> None:
    row.duration_s = probe.duration_s
    row.width, row.height, row.fps = probe.width, probe.height, probe.fps
    row.codec = probe.codec[:32] or None
    row.thumbnail_sha256 = thumbnail_sha256


def _write_assessment(session: Session, item: Item, quiz: QuizFile) -> None:
    assessment = item.assessment
    if assessment is None:
        assessment = Assessment(item_pk=item.pk)
        session.add(assessment)
        item.assessment = assessment
    settings = quiz.settings
    assessment.type = quiz.type
    assessment.time_limit_s = settings.time_limit_s
    assessment.passing_score = settings.passing_score
    assessment.max_attempts = settings.max_attempts
    assessment.shuffle_questions = settings.shuffle_questions
    assessment.shuffle_options = settings.shuffle_options
    assessment.attempt_policy = settings.attempt_policy
    assessment.draw_count = settings.draw_count
    assessment.hint_penalty = settings.hint_penalty
    assessment.ask_confidence = settings.ask_confidence
    assessment.feedback_timing = settings.feedback_timing
    assessment.available_from = settings.available_from
    assessment.available_until = settings.available_until
    assessment.due_at = settings.due_at
    assessment.adaptive = (
        settings.adaptive.model_dump(mode="json") if settings.adaptive is not None else None
    )
    session.flush()
    existing = {q.question_id: q for q in assessment.questions}
    for q in existing.values():
        q.retired = True
    for position, spec in enumerate(quiz.questions):
        question = existing.get(spec.id)
        if question is None:
            question = Question(assessment_pk=assessment.pk, question_id=spec.id)
            session.add(question)
        question.position = position
        question.type = spec.type
        question.prompt_md = spec.prompt
        question.points = spec.points
        question.options = [o.model_dump() for o in spec.options]
        question.key = spec.grading_key()
        # Hints travel in the key, where app.attempts.take_hint reads them.
        hints = getattr(spec, "hints", None)
        if hints:
            question.key = question.key | {"hints": list(hints)}
        question.feedback = spec.feedback.model_dump()
        question.retired = False
        _write_irt(question, spec.irt)
        question.difficulty, question.topic = spec.difficulty, spec.topic


def _write_irt(question: Question, irt: IrtSpec | None) -> None:
    """A question's item parameters from the package, without losing a calibration.

    Parameters calibrated on the server and applied here (app.adaptive.params.apply_item_params,
    which stamps `params_calibrated_at`) belong to the question's stable id, so a newer version
    imported by any path (CLI, GUI, sync download) keeps them when its question has no `irt`
    block. Explicit `irt` values in the package win, and the stamp is cleared, since the stored
    values are then the author's, not a calibration's. A question without `irt` that was never
    calibrated has none. Retired questions are not written here: they keep what they had.
    """
    if irt is not None:
        question.irt_a, question.irt_b, question.irt_c = irt.a, irt.b, irt.c
        question.params_calibrated_at = None
    elif question.params_calibrated_at is None:
        question.irt_a, question.irt_b, question.irt_c = None, None, None

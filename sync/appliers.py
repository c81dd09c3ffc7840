"""What each kind of change record does to the laptop's store (called by app.downstream.records
inside the page's transaction). Payloads are checked with the protocol's models first: a record
that breaks them stops the page with an error naming it, and nothing of the page is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.adaptive.params import ItemParamsError, apply_item_params
from app.courses.importer import is_older
from app.db.models import Course
from app.downstream.records import Applier, DownstreamError, Record, records_of
from app.downstream.tables import CourseDownload
from app.grading.records import GradeRecordError, apply_grade_record
from sync.changes import (
    KIND_COURSE_VERSION,
    KIND_GRADE,
    KIND_ITEM_PARAMS,
    CourseVersionPayload,
    ItemParamsPayload,
)

M = TypeVar("M", bound=BaseModel)


def _payload(record: Record, model: type[M]) -> M:
    try:
        return model.model_validate(record.payload or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise DownstreamError(f"{record.where()}: {where}: {first['msg']}") from None


def apply_course_version(session: Session, record: Record) -> None:
    """Queue the download of a newer version; a withdrawn one is no longer fetched."""
    queued = session.get(CourseDownload, record.key)
    if record.op == "delete":
        if queued is not None and queued.state != "imported":
            session.delete(queued)
        return
    payload = _payload(record, CourseVersionPayload)
    installed = session.get(Course, payload.course_id)
    if installed is not None and (
        installed.version == payload.version or is_older(payload.version, installed.version)
    ):
        if queued is not None and queued.state != "imported":
            session.delete(queued)
        return
    if queued is None:
        queued = CourseDownload(course_id=payload.course_id)
        session.add(queued)
    queued.version, queued.title = payload.version, payload.title
    queued.sha256, queued.size = payload.sha256, payload.size
    queued.package_path = payload.package_path
    queued.state, queued.error = "pending", None
    queued.updated_at = datetime.now(UTC)


def apply_item_params_record(session: Session, record: Record) -> None:
    """Calibrated parameters for a course on this laptop; kept for later if it is not (yet)."""
    if record.op == "delete":
        return  # parameters stay as they were: a later calibration replaces them
    payload = _payload(record, ItemParamsPayload)
    installed = session.get(Course, payload.course_id)
    if installed is None or installed.version != payload.version:
        return  # applied once that version is imported (reapply_for_course)
    try:
        apply_item_params(
            session, payload.course_id, payload.params, calibrated_at=payload.calibrated_at
        )
    except ItemParamsError as exc:
        raise DownstreamError(f"{record.where()}: {exc}") from None


def apply_grade(session: Session, record: Record) -> None:
    """A teacher's grade revision (app.grading.records): kept with every other revision of the
    answer, which settles on the winner by hybrid logical clock."""
    if record.op == "delete":
        return  # revisions are never withdrawn, only superseded by newer ones
    try:
        apply_grade_record(session, record.payload or {})
    except GradeRecordError as exc:
        raise DownstreamError(f"{record.where()}: {exc}") from None


APPLIERS: Mapping[str, Applier] = {
    KIND_COURSE_VERSION: apply_course_version,
    KIND_ITEM_PARAMS: apply_item_params_record,
    KIND_GRADE: apply_grade,
}


def reapply_for_course(session: Session, course_id: str) -> None:
    """After a course version is imported: apply the records about it kept until then."""
    for record in records_of(session, KIND_ITEM_PARAMS):
        if (record.payload or {}).get("course_id") == course_id:
            apply_item_params_record(session, record)

"""Teacher grades going down: a `graded` event pushed by a teacher's laptop becomes a `grade`
change record for the school, which every laptop of the school applies with
app.grading.records.apply_grade_record (sync/appliers.py).

The record travels unchanged (`result.grade_record` of the event, format in app/grading/
records.py). It is checked here with the same parser first: a malformed one is not passed on,
since it would stop every laptop's pull at that page. The record's revision id is the key, so a
repeated push never makes a second change record.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.records import GradeRecordError, parse_record
from sync.changes import KIND_GRADE
from sync.server.changes import append_change
from sync.server.models import ChangeRecord, Device

GRADED = "https://slate.example.org/xapi/verbs/graded"

log = logging.getLogger("slate.server")


def forward_grades(session: Session, device: Device, events: Sequence[Any]) -> int:
    """Append a `grade` record for each new teacher grade among the push's events."""
    forwarded = 0
    for item in events:
        event = item.event
        if event.verb != GRADED:
            continue
        record = (event.result or {}).get("grade_record")
        if not isinstance(record, dict):
            log.warning("graded event %s carries no grade_record; not sent down", item.id)
            continue
        try:
            parsed = parse_record(record)
        except GradeRecordError as exc:
            log.warning("graded event %s: %s; not sent down", item.id, exc)
            continue
        already = session.scalar(
            select(ChangeRecord.id).where(
                ChangeRecord.school_id == device.school_id,
                ChangeRecord.kind == KIND_GRADE,
                ChangeRecord.key == parsed.revision_id,
            )
        )
        if already is not None:
            continue
        append_change(
            session,
            school_id=device.school_id,
            kind=KIND_GRADE,
            key=parsed.revision_id,
            user_id=parsed.learner_id,
            payload=record,
        )
        forwarded += 1
    return forwarded

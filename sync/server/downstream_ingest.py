"""What the downstream side does with a push, inside the push's own transaction
(called by sync.server.push.ingest_push): score answers, pass teacher grades down."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from sync.server.grades import forward_grades
from sync.server.models import Device
from sync.server.rescore import score_answers


def on_events_stored(session: Session, device: Device, events: Sequence[Any]) -> None:
    """`events`: the push's accepted run (`.id`, `.event`), duplicates included; both steps are
    idempotent, so a repeated push changes nothing."""
    score_answers(session, device, events)
    forward_grades(session, device, events)

"""What IT does on the server: add schools, list and revoke devices, look at the counts."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.server.auth import new_enrollment_code
from sync.server.errors import NotFound
from sync.server.models import Device, Event, School


@dataclass(frozen=True)
class SchoolInfo:
    school_id: str
    name: str
    enrollment_code: str
    created_at: str
    devices: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    school_id: str
    name: str
    created_at: str
    last_seen_at: str | None
    revoked_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def add_school(session: Session, name: str) -> SchoolInfo:
    name = name.strip()
    if not name:
        raise ValueError("a school needs a name")
    # A fresh code colliding with an existing one is unlikely (31^10) but not impossible.
    for _ in range(5):
        school = School(id=str(uuid.uuid4()), name=name, enrollment_code=new_enrollment_code())
        session.add(school)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return SchoolInfo(
            school_id=school.id,
            name=school.name,
            enrollment_code=school.enrollment_code,
            created_at=school.created_at.isoformat(),
        )
    raise RuntimeError("could not make a unique enrollment code")


def list_schools(session: Session) -> list[SchoolInfo]:
    device_counts = (
        select(Device.school_id, func.count().label("n")).group_by(Device.school_id).subquery()
    )
    rows = session.execute(
        select(School, func.coalesce(device_counts.c.n, 0))
        .outerjoin(device_counts, device_counts.c.school_id == School.id)
        .order_by(School.created_at, School.name)
    ).tuples()
    return [
        SchoolInfo(
            school_id=school.id,
            name=school.name,
            enrollment_code=school.enrollment_code,
            created_at=school.created_at.isoformat(),
            devices=int(count),
        )
        for school, count in rows
    ]


def list_devices(session: Session) -> list[DeviceInfo]:
    devices = session.scalars(select(Device).order_by(Device.created_at, Device.name))
    return [
        DeviceInfo(
            device_id=d.id,
            school_id=d.school_id,
            name=d.name,
            created_at=d.created_at.isoformat(),
            last_seen_at=_iso(d.last_seen_at),
            revoked_at=_iso(d.revoked_at),
        )
        for d in devices
    ]


def revoke_device(session: Session, device_id: str) -> DeviceInfo:
    """Refuse the device's token from now on. Its events already received stay."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device with id {device_id}")
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        session.commit()
    return DeviceInfo(
        device_id=device.id,
        school_id=device.school_id,
        name=device.name,
        created_at=device.created_at.isoformat(),
        last_seen_at=_iso(device.last_seen_at),
        revoked_at=_iso(device.revoked_at),
    )


def verb_name(verb: str) -> str:
    """The last path segment of a verb IRI: ".../verbs/answered" -> "answered"."""
    return verb.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or verb


def stats(session: Session) -> dict[str, Any]:
    by_verb: dict[str, int] = {}
    for verb, count in session.execute(
        select(Event.verb, func.count()).group_by(Event.verb)
    ).tuples():
        name = verb_name(verb)
        by_verb[name] = by_verb.get(name, 0) + int(count)
    by_device = {
        device_id: int(count)
        for device_id, count in session.execute(
            select(Event.device_id, func.count()).group_by(Event.device_id)
        ).tuples()
    }
    return {
        "events_total": sum(by_verb.values()),
        "by_verb": dict(sorted(by_verb.items())),
        "by_device": dict(sorted(by_device.items())),
    }

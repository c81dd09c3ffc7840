"""Device enrollment and bearer-token authentication."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import EnrollRequest, EnrollResponse
from sync.server.errors import BadEnrollmentCode, Unauthorized
from sync.server.models import Device, School

# No 0/O, 1/I/L: the code is read off paper and typed in by IT.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_GROUP = 5
LAST_SEEN_EVERY_S = 60


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return format_enrollment_code(raw)


def format_enrollment_code(code: str) -> str:
    """The canonical stored form: upper case, grouped with dashes, whatever was typed."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(compact[i : i + CODE_GROUP] for i in range(0, len(compact), CODE_GROUP))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def enroll_device(session: Session, request: EnrollRequest) -> EnrollResponse:
    """Make a new device with its own token; the school's code may be used for many devices."""
    code = format_enrollment_code(request.enrollment_code)
    school = session.scalar(select(School).where(School.enrollment_code == code))
    if school is None:
        raise BadEnrollmentCode("no school has this enrollment code; check it with your IT staff")
    token = new_token()
    device = Device(
        id=str(uuid.uuid4()),
        school_id=school.id,
        name=request.device_name,
        token_hash=hash_token(token),
    )
    session.add(device)
    session.commit()
    return EnrollResponse(
        device_id=device.id,
        token=token,
        school_id=school.id,
        school_name=school.name,
        server_time=datetime.now(UTC),
    )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization header; enroll the device to get a token")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token


def authenticate(session: Session, authorization: str | None) -> Device:
    """The enrolled, unrevoked device that owns the bearer token, or `Unauthorized`."""
    token = bearer_token(authorization)
    device = session.scalar(select(Device).where(Device.token_hash == hash_token(token)))
    # Unknown and revoked tokens get the same answer: nothing to learn by probing.
    if device is None or device.revoked_at is not None:
        raise Unauthorized("unknown or revoked device token; enroll the device again")
    now = datetime.now(UTC)
    # Any authenticated call shows the laptop is alive, not only a push with events in it;
    # stamped at most once a minute so that reads do not all turn into writes.
    if (
        device.last_seen_at is None
        or (now - device.last_seen_at).total_seconds() > LAST_SEEN_EVERY_S
    ):
        device.last_seen_at = now
        session.commit()
    return device

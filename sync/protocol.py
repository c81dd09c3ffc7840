"""Payloads of the sync protocol, shared by the client and the server.

Both ends validate with these models, so a field added here is checked on both sides. The
rules that go with them (acknowledgement, idempotence) are written down in
docs/sync-protocol.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"

# A push carries at most this many events; the client sends smaller batches.
MAX_EVENTS_PER_PUSH = 1000
# Request bodies larger than this (after gunzip) are refused with 413.
MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_PORT = 8765


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str
    server_time: datetime
    version: str
    protocol: int = PROTOCOL_VERSION


class EnrollRequest(_Strict):
    enrollment_code: str = Field(min_length=4, max_length=64)
    device_name: str = Field(min_length=1, max_length=120)


class EnrollResponse(BaseModel):
    device_id: str
    token: str
    school_id: str
    school_name: str
    server_time: datetime


class EventIn(_Strict):
    """One learning event as the laptop recorded it."""

    id: str = Field(min_length=32, max_length=36, description="UUIDv7 made on the device")
    seq: int = Field(ge=1, description="gapless per source")
    user_id: str = Field(min_length=1, max_length=64)
    user_name: str | None = Field(default=None, max_length=200)
    verb: str = Field(min_length=1, max_length=200, description="an xAPI verb IRI")
    object_id: str = Field(min_length=1, max_length=500, description="an activity id")
    course_id: str | None = Field(default=None, max_length=64)
    course_version: str | None = Field(default=None, max_length=64)
    result: dict[str, Any] | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime
    clock_offset_ms: int | None = Field(
        default=None, description="device's estimate of (server clock - device clock)"
    )


class PushRequest(_Strict):
    source_id: str = Field(min_length=8, max_length=64)
    events: list[EventIn] = Field(max_length=MAX_EVENTS_PER_PUSH)


class PushResponse(BaseModel):
    source_id: str
    acked_through: int
    inserted: int
    duplicates: int
    server_time: datetime


class SourceState(BaseModel):
    source_id: str
    acked_through: int
    hwm_event_id: str | None


class ErrorBody(BaseModel):
    error: str
    detail: str
    acked_through: int | None = None

"""Payloads of the downstream half of the sync protocol, shared by the client and the server.

The server keeps an append-only change log (sync/server/changes.py); a laptop reads it in pages
with `GET /api/v1/changes?cursor=...&limit=...` and applies each page together with the next
cursor in one transaction (sync/pull.py). The rules are in docs/sync-protocol.md, "Downstream".
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

# What the records announce; a client stores kinds it does not know and applies the ones it does.
KIND_COURSE_VERSION = "course_version"
KIND_ITEM_PARAMS = "item_params"
KIND_GRADE = "grade"

DEFAULT_PAGE_LIMIT = 200
MAX_PAGE_LIMIT = 1000
CURSOR_PREFIX = "c1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChangeOut(BaseModel):
    """One record of the change log, as a client receives it.

    `(kind, key)` names the thing the record is about; a later record with the same pair replaces
    it (`op` "put") or removes it (`op` "delete", no payload). `position` only grows within one
    epoch and is for logs and tests: clients page with the opaque cursor, never with it.
    """

    position: int
    kind: str
    key: str
    op: Literal["put", "delete"]
    class_id: str | None = None
    user_id: str | None = None
    payload: dict[str, Any] | None = None


class ChangesPage(BaseModel):
    records: list[ChangeOut]
    # Where to continue: pass it back as `cursor`. Unchanged when nothing new was visible.
    next_cursor: str
    # More records are visible right now beyond next_cursor: ask again at once.
    has_more: bool
    # How many records (of this device's school) lie beyond next_cursor, for "syncing n/N".
    remaining: int
    # The cursor cannot be continued (too old, or from another server database): the client must
    # load everything again from an empty cursor (into staging) and then replace what it had.
    must_refetch: bool = False


class CourseVersionPayload(_Strict):
    """Payload of a `course_version` record: a package the laptop should download and import."""

    course_id: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=64)
    title: str = Field(max_length=300)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1)
    # Relative to the API prefix, e.g. /courses/fractions/versions/2/package
    package_path: str = Field(min_length=1, max_length=400)


class ItemParamsPayload(_Strict):
    """Payload of an `item_params` record: calibrated 2PL parameters for one course's questions."""

    course_id: str = Field(min_length=1, max_length=64)
    # The course version whose questions were calibrated; a laptop on another version waits.
    version: str = Field(min_length=1, max_length=64)
    calibrated_at: str
    # "quiz item id/question id" -> {"a": ..., "b": ...}
    params: dict[str, dict[str, float]]
    responses: int = 0


def course_version_key(course_id: str) -> str:
    # One key per course: the newest published version replaces the older record.
    return course_id


def package_path(course_id: str, version: str) -> str:
    # Versions are free text ("2.0 beta"): quoted, so that any of them makes one path segment.
    return f"/courses/{quote(course_id, safe='')}/versions/{quote(version, safe='')}/package"

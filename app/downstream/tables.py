"""The store's tables for records that come down from the server (revision 0005).

The change-log cursor itself is kept in `meta` (`changes_cursor`, and `refetch_cursor` while a
reload into staging is under way), written in the same transaction as the records of a page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, UTCDateTime, utcnow


class DownstreamRecord(Base):
    """The newest record the server sent for one (kind, key): what this laptop was told."""

    __tablename__ = "downstream_records"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    class_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The server's change-log position, for logs and support; never used for paging.
    position: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DownstreamStaging(Base):
    """Records of a reload (`must_refetch`) still coming in; they replace downstream_records in
    one transaction once the last page has arrived, so a half-done reload changes nothing."""

    __tablename__ = "downstream_staging"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    class_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(BigInteger)


class CourseDownload(Base):
    """A course version the server published that this laptop has still to fetch and import."""

    __tablename__ = "course_downloads"
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    package_path: Mapped[str] = mapped_column(String(400))
    # pending -> imported; failed keeps the reason and is tried again at the next sync.
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

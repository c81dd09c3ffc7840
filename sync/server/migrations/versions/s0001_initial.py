"""Schools, devices, sources and events.

Revision ID: s0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_json = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "schools",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enrollment_code", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schools"),
        sa.UniqueConstraint("enrollment_code", name="uq_schools_enrollment_code"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_devices_school_id_schools"),
        sa.UniqueConstraint("token_hash", name="uq_devices_token_hash"),
    )
    op.create_index("ix_devices_school_id", "devices", ["school_id"])
    op.create_table(
        "sources",
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("acked_through", sa.BigInteger(), nullable=False),
        sa.Column("hwm_event_id", sa.String(36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name="pk_sources"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name="fk_sources_device_id_devices"),
    )
    op.create_index("ix_sources_device_id", "sources", ["device_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=True),
        sa.Column("verb", sa.String(200), nullable=False),
        sa.Column("object_id", sa.String(500), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=True),
        sa.Column("course_version", sa.String(64), nullable=True),
        sa.Column("result", _json, nullable=True),
        sa.Column("context", _json, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.source_id"], name="fk_events_source_id_sources"
        ),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name="fk_events_device_id_devices"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_events_school_id_schools"),
        sa.UniqueConstraint("source_id", "seq", name="uq_events_source_id_seq"),
    )
    op.create_index("ix_events_device_id", "events", ["device_id"])
    op.create_index("ix_events_school_id_user_id", "events", ["school_id", "user_id"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("sources")
    op.drop_table("devices")
    op.drop_table("schools")

"""Classroom hub forwarding, classes and rosters made on a laptop (issues 5 and 6).

Reserved revision: filled in by the work on that issue; a no-op until then.

Revision ID: s0004
Revises: s0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision: str | None = "s0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # -- classroom hub forwarding (sync/server/hub.py) --
    op.create_table(
        "hub_upstream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.Column("token", sa.String(200), nullable=True),
        sa.Column("school_name", sa.String(200), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_forward_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hub_upstream"),
    )
    op.create_table(
        "hub_forward_marks",
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("forwarded_through", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name="pk_hub_forward_marks"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.source_id"], name="fk_hub_forward_marks_source_id_sources"
        ),
    )


def downgrade() -> None:
    op.drop_table("hub_forward_marks")
    op.drop_table("hub_upstream")

"""USB bundle imports, LRS forwarding marks, the xAPI paging index (issue 5).

Revision ID: s0003
Revises: s0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision: str | None = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_received_at_id", "events", ["received_at", "id"])
    op.create_table(
        "bundle_imports",
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("event_count", sa.BigInteger(), nullable=False),
        sa.Column("inserted", sa.BigInteger(), nullable=False),
        sa.Column("acked_through", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", name="pk_bundle_imports"),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name="fk_bundle_imports_device_id_devices"
        ),
    )
    op.create_index("ix_bundle_imports_device_id", "bundle_imports", ["device_id"])
    op.create_table(
        "lrs_forward_marks",
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("forwarded_through", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint", "source_id", name="pk_lrs_forward_marks"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.source_id"], name="fk_lrs_forward_marks_source_id_sources"
        ),
    )


def downgrade() -> None:
    op.drop_table("lrs_forward_marks")
    op.drop_index("ix_bundle_imports_device_id", table_name="bundle_imports")
    op.drop_table("bundle_imports")
    op.drop_index("ix_events_received_at_id", table_name="events")

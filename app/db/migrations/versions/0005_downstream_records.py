"""Records that come down from the server (issue 5): the newest record per (kind, key), the
staging tables of a reload, and course versions waiting to be downloaded.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _record_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("class_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "downstream_records",
        *_record_columns(),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    op.create_table(
        "downstream_staging", *_record_columns(), sa.PrimaryKeyConstraint("kind", "key")
    )
    op.create_table(
        "course_downloads",
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("package_path", sa.String(400), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("course_id"),
    )


def downgrade() -> None:
    op.drop_table("course_downloads")
    op.drop_table("downstream_staging")
    op.drop_table("downstream_records")

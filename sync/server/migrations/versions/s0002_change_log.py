"""The downstream change log and published course versions (issue 5).

Revision ID: s0002
Revises: s0001
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "s0002"
down_revision: str | None = "s0001"
branch_labels = None
depends_on = None

_json = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_change_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    state = op.create_table(
        "change_log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("floor_txid", sa.BigInteger(), nullable=False),
        sa.Column("floor_id", sa.BigInteger(), nullable=False),
        sa.Column("compactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_log_state"),
    )
    # The epoch is born with the log: a cursor from any other database is recognised as such.
    op.bulk_insert(
        state,
        [{"id": 1, "epoch": str(uuid.uuid4()), "floor_txid": 0, "floor_id": 0, "compactions": 0}],
    )
    op.create_table(
        "change_log",
        sa.Column("id", _change_id, autoincrement=True, nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("class_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("payload", _json, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_log"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_change_log_school_id_schools"
        ),
    )
    op.create_index("ix_change_log_school_id_txid_id", "change_log", ["school_id", "txid", "id"])
    op.create_index("ix_change_log_school_id_kind_key", "change_log", ["school_id", "kind", "key"])
    op.create_table(
        "course_versions",
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("keys", _json, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "course_id", "version", name="pk_course_versions"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_course_versions_school_id_schools"
        ),
    )
    op.create_table(
        "answer_scores",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("course_version", sa.String(64), nullable=False),
        sa.Column("question", sa.String(130), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_answer_scores"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_answer_scores_event_id_events"
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_answer_scores_school_id_schools"
        ),
    )
    op.create_index("ix_answer_scores_course_id_user_id", "answer_scores", ["course_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_answer_scores_course_id_user_id", table_name="answer_scores")
    op.drop_table("answer_scores")
    op.drop_table("course_versions")
    op.drop_index("ix_change_log_school_id_kind_key", table_name="change_log")
    op.drop_index("ix_change_log_school_id_txid_id", table_name="change_log")
    op.drop_table("change_log")
    op.drop_table("change_log_state")

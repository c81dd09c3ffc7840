"""Adaptive quizzes (issue 4): IRT parameters, difficulty and topic on questions, the adaptive
rules of an assessment, and an adaptive attempt's ability estimate and stop reason.

An adaptive attempt needs no table of its own: the administered questions are the attempt's
`question_order` (appended as each one is chosen) and the responses are its answers, so the
estimate is re-derived from rows that are already written durably.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("irt_a", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("irt_b", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("irt_c", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("difficulty", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("topic", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("params_calibrated_at", sa.String(length=40), nullable=True))

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adaptive", sa.JSON(), nullable=True))

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theta", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("theta_se", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("adaptive_stop", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("adaptive_stop")
        batch_op.drop_column("theta_se")
        batch_op.drop_column("theta")

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("adaptive")

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("params_calibrated_at")
        batch_op.drop_column("topic")
        batch_op.drop_column("difficulty")
        batch_op.drop_column("irt_c")
        batch_op.drop_column("irt_b")
        batch_op.drop_column("irt_a")

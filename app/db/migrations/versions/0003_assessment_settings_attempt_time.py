"""Assessment settings (attempt policy, pools, hints, feedback timing, availability), the time
an attempt has been open, hints/confidence/time per answer.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hints_used", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("confidence", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("time_spent_s", sa.Float(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempt_policy", sa.String(length=16), server_default="best", nullable=False)
        )
        batch_op.add_column(sa.Column("draw_count", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hint_penalty", sa.Float(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("ask_confidence", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "feedback_timing",
                sa.String(length=16),
                server_default="after_submit",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("available_from", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("available_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("elapsed_s", sa.Float(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("ungraded_count", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("ungraded_count")
        batch_op.drop_column("elapsed_s")

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("due_at")
        batch_op.drop_column("available_until")
        batch_op.drop_column("available_from")
        batch_op.drop_column("feedback_timing")
        batch_op.drop_column("ask_confidence")
        batch_op.drop_column("hint_penalty")
        batch_op.drop_column("draw_count")
        batch_op.drop_column("attempt_policy")

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("time_spent_s")
        batch_op.drop_column("confidence")
        batch_op.drop_column("hints_used")

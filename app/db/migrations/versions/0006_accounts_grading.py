"""Local accounts, secrets, classes, teacher grades and rubrics (issue 6).

Tables: credentials (argon2 hashes and the wrong-try state), guardian_links (parent -> learner),
classes / class_courses / class_members, rubrics, grade_records (every grade revision) and
answer_grades (the revision that counts now, with any conflict). Models: app/accounts/tables.py
and app/grading/tables.py.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("failed_tries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "guardian_links",
        sa.Column(
            "parent_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "learner_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "classes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("origin", sa.String(16), server_default="local", nullable=False),
    )
    op.create_table(
        "class_courses",
        sa.Column(
            "class_id",
            sa.String(36),
            sa.ForeignKey("classes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("course_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "class_members",
        sa.Column(
            "class_id",
            sa.String(36),
            sa.ForeignKey("classes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(20), nullable=False),
    )
    op.create_table(
        "rubrics",
        sa.Column("course_id", sa.String(64), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("question_id", sa.String(64), primary_key=True),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "grade_records",
        sa.Column("revision_id", sa.String(36), primary_key=True),
        sa.Column("base_revision", sa.String(36), nullable=True),
        sa.Column("supersedes", sa.JSON(), nullable=False),
        sa.Column("hlc", sa.String(96), nullable=False),
        sa.Column("grader_id", sa.String(36), nullable=False),
        sa.Column("learner_id", sa.String(36), nullable=False),
        sa.Column("attempt_id", sa.String(36), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("graded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_grade_records_answer", "grade_records", ["attempt_id", "question_id"])
    op.create_table(
        "answer_grades",
        sa.Column("attempt_id", sa.String(36), primary_key=True),
        sa.Column("question_id", sa.String(64), primary_key=True),
        sa.Column("revision_id", sa.String(36), nullable=False),
        sa.Column("conflicting", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("answer_grades")
    op.drop_index("ix_grade_records_answer", table_name="grade_records")
    op.drop_table("grade_records")
    op.drop_table("rubrics")
    op.drop_table("class_members")
    op.drop_table("class_courses")
    op.drop_table("classes")
    op.drop_table("guardian_links")
    op.drop_table("credentials")

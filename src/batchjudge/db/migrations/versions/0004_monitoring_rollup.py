"""Monitoring rollup: one row of figures per finished submission, and the indexes for
active users and feedback windows. The rollup starts empty; the metrics service fills it
from the existing rows on its first figure.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Covering indexes, one per kind of figure query (see batchjudge.db.figures).
_ROLLUP_INDEXES = {
    "ix_submission_figures_finished": [
        "finished_at",
        "status",
        "internal_error",
        "backend_error",
        "grading_s",
        "queue_s",
        "mode",
        "style",
    ],
    "ix_submission_figures_groups": [
        "backend",
        "language",
        "mode",
        "problem_id",
        "finished_at",
        "tests",
        "runs",
        "remote_create",
        "remote_poll",
        "remote_retry",
        "remote_discover",
    ],
    "ix_submission_figures_sizes": ["tests", "runs", "finished_at"],
}


def upgrade() -> None:
    op.create_table(
        "submission_figures",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("style", sa.String(length=16), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("tests", sa.Integer(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("remote_create", sa.Integer(), nullable=False),
        sa.Column("remote_poll", sa.Integer(), nullable=False),
        sa.Column("remote_retry", sa.Integer(), nullable=False),
        sa.Column("remote_discover", sa.Integer(), nullable=False),
        sa.Column("internal_error", sa.Boolean(), nullable=False),
        sa.Column("backend_error", sa.Boolean(), nullable=False),
        sa.Column("grading_s", sa.Double(), nullable=True),
        sa.Column("queue_s", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_figures_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_submission_figures")),
    )
    with op.batch_alter_table("submission_figures", schema=None) as batch_op:
        for name, columns in _ROLLUP_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submissions_user_id_created_at", ["user_id", "created_at"], unique=False
        )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_updated_at")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_user_id_created_at")
    with op.batch_alter_table("submission_figures", schema=None) as batch_op:
        for name in reversed(list(_ROLLUP_INDEXES)):
            batch_op.drop_index(name)
    op.drop_table("submission_figures")

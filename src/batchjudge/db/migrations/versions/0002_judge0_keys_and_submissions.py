"""Judge0: the encrypted API-key pool and the Judge0-compatible API's submissions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:36:25.494520
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "judge0_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("last4", sa.String(length=8), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("used_today", sa.Integer(), nullable=False),
        sa.Column("usage_day", sa.String(length=10), nullable=False),
        sa.Column("quota_remaining", sa.Integer(), nullable=True),
        sa.Column("exhausted_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge0_api_keys")),
        sa.UniqueConstraint("label", name=op.f("uq_judge0_api_keys_label")),
    )
    op.create_table(
        "judge0_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("language_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_judge0_submissions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge0_submissions")),
        sa.UniqueConstraint("token", name=op.f("uq_judge0_submissions_token")),
    )
    with op.batch_alter_table("judge0_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_judge0_submissions_status_id"), ["status_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_judge0_submissions_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("judge0_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judge0_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_judge0_submissions_status_id"))

    op.drop_table("judge0_submissions")
    op.drop_table("judge0_api_keys")

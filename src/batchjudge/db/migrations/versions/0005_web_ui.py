"""Web UI: password hashes, API tokens' last 4 characters, browser sessions, onboarding
events, problem statements, and per-test visibility (samples start in full, secret tests
by verdict, as the API showed them before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last4", sa.String(length=4), nullable=False, server_default="")
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("last4", server_default=None)

    with op.batch_alter_table("problem_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("problem_versions", schema=None) as batch_op:
        batch_op.alter_column("statement", server_default=None)

    with op.batch_alter_table("problem_tests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visibility", sa.String(length=16), nullable=False, server_default="verdict")
        )
    op.execute("UPDATE problem_tests SET visibility = 'full' WHERE is_sample")
    with op.batch_alter_table("problem_tests", schema=None) as batch_op:
        batch_op.alter_column("visibility", server_default=None)

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "onboarding_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tour", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_onboarding_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_events")),
    )
    with op.batch_alter_table("onboarding_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_onboarding_events_created_at_action", ["created_at", "action"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_onboarding_events_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("onboarding_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_events_user_id"))
        batch_op.drop_index("ix_onboarding_events_created_at_action")
    op.drop_table("onboarding_events")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("problem_tests", schema=None) as batch_op:
        batch_op.drop_column("visibility")
    with op.batch_alter_table("problem_versions", schema=None) as batch_op:
        batch_op.drop_column("statement")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last4")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_hash")

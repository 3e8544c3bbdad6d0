"""Institutions, users and their API tokens."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batchjudge.db.base import Base, utc_now


class Role(StrEnum):
    """What a user may do."""

    STUDENT = "student"
    TEACHER = "teacher"
    ADMIN = "admin"


class Institution(Base):
    """A school or organisation; users and problems belong to one."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # Per calendar month (UTC); None means no limit.
    monthly_execution_quota: Mapped[int | None]
    monthly_remote_call_quota: Mapped[int | None]


class User(Base):
    """A student, teacher or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[Role] = mapped_column(String(16))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # An argon2 hash; None: the user signs in with API tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(200))

    institution: Mapped[Institution | None] = relationship()


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 so a database leak reveals none."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    # The token's last 4 characters, so people can tell tokens apart (tokens made before
    # migration 0005 have none).
    last4: Mapped[str] = mapped_column(String(4), default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

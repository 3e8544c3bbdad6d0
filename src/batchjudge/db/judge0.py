"""Judge0 tables: the API-key pool our Judge0 backend spends, and the submissions that
Judge0 clients send to our own Judge0-compatible API."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchjudge.db.base import Base, utc_now


class Judge0ApiKey(Base):
    """One provider key, encrypted under the master key; only its last 4 characters are
    ever shown. Quota fields mirror the provider's rate-limit headers."""

    __tablename__ = "judge0_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    last4: Mapped[str] = mapped_column(String(8))
    daily_quota: Mapped[int]
    used_today: Mapped[int] = mapped_column(default=0)
    usage_day: Mapped[str] = mapped_column(String(10), default="")
    quota_remaining: Mapped[int | None]
    exhausted_until: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Judge0Submission(Base):
    """A submission made through the Judge0-compatible API, addressed by its UUID token.

    `request` is the validated request as JSON (text fields decoded); `result` is the
    finished answer as JSON, null until the status leaves In Queue / Processing.
    """

    __tablename__ = "judge0_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    language_id: Mapped[int]
    status_id: Mapped[int] = mapped_column(index=True)
    request: Mapped[str] = mapped_column(Text)
    # Whether `request` (which holds the source code) is sealed; see Submission.source.
    request_sealed: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    worker_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]

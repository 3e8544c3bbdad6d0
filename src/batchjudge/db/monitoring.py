"""Monitoring tables: feedback on gradings, metrics-window resets, alerts and captured
errors. Every figure is derived from rows, so restarts and replicas agree."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from batchjudge.db.base import Base, utc_now


class Feedback(Base):
    """A user's rating (1-5) of a graded submission; one per user and submission."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("submission_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class MetricsReset(Base):
    """The start of a new metrics window (audited; no data is deleted)."""

    __tablename__ = "metrics_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reset_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Alert(Base):
    """One alert of a rule for one subject: `pending` while its condition has not yet held
    for the rule's duration (`fired_at` is then when it was first seen), `firing`, then
    `resolved`. `fingerprint` (rule and subject) deduplicates: at most one unresolved
    alert has it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_fingerprint_status", "fingerprint", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None]
    fired_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_evaluated_at: Mapped[datetime] = mapped_column(default=utc_now)
    resolved_at: Mapped[datetime | None]


class ErrorEvent(Base):
    """An unexpected exception, with its stack trace, for admins."""

    __tablename__ = "error_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    kind: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(String(300), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")

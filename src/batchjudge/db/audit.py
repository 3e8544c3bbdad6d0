"""The audit log: one row per security-relevant action, never updated or deleted."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchjudge.db.base import Base, utc_now


class AuditEvent(Base):
    """Who did what to which target, and from where.

    The table is append-only: migration 0006 installs triggers that refuse UPDATE and
    DELETE. `actor_id` is a plain number rather than a foreign key so an entry outlives
    whatever it names; a privacy deletion anonymises the user row, not the log.
    `details` is a JSON object and never holds secrets or source code.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_created_at_action", "created_at", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    ip: Mapped[str] = mapped_column(String(64), default="")

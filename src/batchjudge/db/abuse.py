"""Abuse flags: a signal that put a user under a temporary block, until it lapses or an
admin clears it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchjudge.db.base import Base, utc_now


class AbuseFlag(Base):
    """One flag raised against a user.

    Attributes:
        signal: what raised it (`sandbox_violations`, `submission_flood`, `oversized_upload`).
        blocked_until: the user may not submit before this moment (unless cleared).
        cleared_at: when an admin lifted it; a cleared flag blocks nothing.
    """

    __tablename__ = "abuse_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    signal: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    blocked_until: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    cleared_by_id: Mapped[int | None]

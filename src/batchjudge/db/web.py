"""The web UI's tables: signed-in browser sessions and the onboarding tour's progress."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batchjudge.db.accounts import User
from batchjudge.db.base import Base, utc_now


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token, stored here only as its
    SHA-256; `csrf_token` must accompany every change the browser asks for."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)

    user: Mapped[User] = relationship()


class OnboardingAction(StrEnum):
    """What a user did with the onboarding tour."""

    STARTED = "started"
    STEP = "step"  # saw a step (`step` names it)
    COMPLETED = "completed"
    DISMISSED = "dismissed"


class OnboardingEvent(Base):
    """One step of a user's way through an onboarding tour; the adoption figures count
    them."""

    __tablename__ = "onboarding_events"
    __table_args__ = (Index("ix_onboarding_events_created_at_action", "created_at", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tour: Mapped[str] = mapped_column(String(64))
    action: Mapped[OnboardingAction] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

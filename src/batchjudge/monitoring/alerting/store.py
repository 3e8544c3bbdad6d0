"""Reading alerts back: the list `GET /api/v1/monitoring/alerts` shows."""

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchjudge.db.monitoring import Alert
from batchjudge.monitoring.alerting.evaluator import AlertStatus


class AlertFilter(StrEnum):
    """Which alerts a listing shows; `all` is every alert that fired (not pending ones)."""

    FIRING = "firing"
    RESOLVED = "resolved"
    PENDING = "pending"
    ALL = "all"


def list_alerts(session: Session, shown: AlertFilter, limit: int, offset: int = 0) -> list[Alert]:
    """Alerts, newest first (by when they fired, then by id)."""
    statuses: Sequence[str] = (
        (AlertStatus.FIRING.value, AlertStatus.RESOLVED.value)
        if shown is AlertFilter.ALL
        else (shown.value,)
    )
    query = (
        select(Alert)
        .where(Alert.status.in_(statuses))
        .order_by(Alert.fired_at.desc(), Alert.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))

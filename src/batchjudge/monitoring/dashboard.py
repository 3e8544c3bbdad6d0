"""The dashboard: the key figures at a glance, with the health status and firing alerts."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from batchjudge.db.monitoring import Alert
from batchjudge.db.submissions import Submission
from batchjudge.monitoring.adoption import ActiveUsers, AdoptionFigures
from batchjudge.monitoring.efficiency import EfficiencyFigures
from batchjudge.monitoring.performance import PerformanceFigures
from batchjudge.monitoring.windows import Window

#: The `alerts.status` of an alert that has not resolved.
FIRING = "firing"
#: At most this many firing alerts are listed, most recent first.
MAX_ALERTS = 50


class ActiveAlert(TypedDict):
    """A firing alert as the dashboard lists it."""

    id: int
    rule: str
    severity: str
    message: str
    value: float | None
    fired_at: str


class SubmissionCounts(TypedDict):
    """Submissions received (created) and finished in the window."""

    received: int
    finished: int


class DashboardFigures(TypedDict):
    """Everything the dashboard endpoint answers; times in seconds."""

    window: dict[str, str | None]
    submissions: SubmissionCounts
    success_rate: float
    efficiency_gain: dict[str, float]
    calls_saved: int
    grading_time: dict[str, float]
    queue_wait: dict[str, float]
    active_users: ActiveUsers
    health: str
    alerts: list[ActiveAlert]


def fetch_active_alerts(session: Session, limit: int = MAX_ALERTS) -> list[ActiveAlert]:
    """Firing alerts, most recent first."""
    rows = session.scalars(
        select(Alert).where(Alert.status == FIRING).order_by(Alert.fired_at.desc()).limit(limit)
    )
    return [
        ActiveAlert(
            id=row.id,
            rule=row.rule,
            severity=row.severity,
            message=row.message,
            value=row.value,
            fired_at=row.fired_at.isoformat(),
        )
        for row in rows
    ]


def count_received(session: Session, window: Window) -> int:
    """Submissions created in the window, whatever their status."""
    found: Any = session.scalar(select(func.count()).where(*window.bounds(Submission.created_at)))
    return int(found or 0)


def compose_dashboard(
    window: Window,
    received: int,
    efficiency: EfficiencyFigures,
    adoption: AdoptionFigures,
    performance: PerformanceFigures,
    health: str,
    alerts: list[ActiveAlert],
) -> DashboardFigures:
    """The dashboard from the figures computed for the same window."""
    gain = efficiency["efficiency_gain"]
    grading, waiting = performance["grading_time"], performance["queue_wait"]
    return DashboardFigures(
        window=window.describe(),
        submissions=SubmissionCounts(received=received, finished=performance["finished"]),
        success_rate=performance["success_rate"],
        efficiency_gain={"mean": gain["mean"], "p50": gain["p50"], "pooled": gain["pooled"]},
        calls_saved=efficiency["calls_saved"],
        grading_time={"p50": grading["p50"], "p95": grading["p95"]},
        queue_wait={"p50": waiting["p50"], "p95": waiting["p95"]},
        active_users=adoption["active_users"],
        health=health,
        alerts=alerts,
    )

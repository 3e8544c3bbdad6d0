"""`GET /api/v1/monitoring/alerts`: the alerts the rules raised, for teachers and admins."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from batchjudge.db.accounts import Role
from batchjudge.db.monitoring import Alert
from batchjudge.monitoring.alerting import AlertFilter, list_alerts
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.ids import MAX_ID

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


class AlertOut(BaseModel):
    """One alert: a rule's firing about one subject, until it resolved."""

    id: int
    rule: str
    severity: str
    fingerprint: str
    status: str
    message: str
    value: float | None
    fired_at: datetime
    last_evaluated_at: datetime
    resolved_at: datetime | None


def _alert_out(row: Alert) -> AlertOut:
    return AlertOut(
        id=row.id,
        rule=row.rule,
        severity=row.severity,
        fingerprint=row.fingerprint,
        status=row.status,
        message=row.message,
        value=row.value,
        fired_at=row.fired_at,
        last_evaluated_at=row.last_evaluated_at,
        resolved_at=row.resolved_at,
    )


@router.get("/alerts")
def get_alerts(
    state: State,
    user: CurrentUser,
    status: AlertFilter = AlertFilter.ALL,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[AlertOut]:
    """Alerts newest first (teacher, admin): `firing`, `resolved`, `all` (both) or `pending`
    (not yet fired)."""
    require_role(user, Role.TEACHER, Role.ADMIN)
    with state.sessions() as session:
        return [_alert_out(row) for row in list_alerts(session, status, limit, offset)]

"""Health for load balancers (`health`, `health/live`) and the captured errors for admins."""

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from batchjudge.db.accounts import Role
from batchjudge.monitoring.error_log import KEEP_ERRORS
from batchjudge.monitoring.health_report import HealthReport, HealthStatus
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.state import ServiceState

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])

_NO_STORE = {"Cache-Control": "no-store"}


class CheckOut(BaseModel):
    """One health check."""

    status: HealthStatus
    detail: str
    value: float | None


class HealthOut(BaseModel):
    """The overall status and every check by name."""

    status: HealthStatus
    checks: dict[str, CheckOut]


class ErrorOut(BaseModel):
    """An unexpected exception, with its stack trace."""

    id: int
    occurred_at: datetime
    kind: str
    message: str
    traceback: str
    context: str
    request_id: str


def _body(report: HealthReport) -> dict[str, object]:
    return {
        "status": report.status.value,
        "checks": {
            name: {"status": check.status.value, "detail": check.detail, "value": check.value}
            for name, check in report.checks.items()
        },
    }


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The service is down."}},
)
async def health(request: Request) -> JSONResponse:
    """Health for load balancers: 200 when ok or degraded, 503 when down; no auth."""
    # The HealthProbes middleware answers first; this route documents it and serves an
    # app built without that middleware.
    state = request.app.state.service
    assert isinstance(state, ServiceState)
    return await health_answer(state)


@router.get("/health/live")
async def live() -> JSONResponse:
    """Liveness: the process answers; nothing else (not even the database) is asked."""
    return await live_answer(None)


async def health_answer(state: ServiceState) -> JSONResponse:
    """The health report (cached, or made now): 200, or 503 when down."""
    report = state.health.cached()
    if report is None:
        report = await asyncio.to_thread(state.health.latest)
    status = 503 if report.status is HealthStatus.DOWN else 200
    return JSONResponse(_body(report), status_code=status, headers=_NO_STORE)


async def live_answer(_state: ServiceState | None) -> JSONResponse:
    """Alive, whatever the state."""
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


@router.get("/errors")
def list_errors(
    state: State,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=KEEP_ERRORS)] = KEEP_ERRORS,
) -> list[ErrorOut]:
    """The latest unexpected exceptions, newest first (admins only)."""
    require_role(user, Role.ADMIN)
    return [ErrorOut(**vars(error)) for error in state.errors.recent(limit)]

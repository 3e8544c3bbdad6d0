"""Monitoring figures over a window: dashboard, efficiency, adoption, performance, the
whole set for admins, and the admin reset that starts new windows.

Dashboards poll these, many at once, so the GET handlers take a short path: they are
async; a token that authenticated in the last seconds is trusted again (RecentTokens),
else it is authenticated as everywhere, in a worker thread; and the cached JSON body is
sent as it is (the response model documents it; it is not validated on each request).
A stale figure is sent too, and recomputed after the answer; only a request that finds
nothing usable waits for a computation (see FigureCache).
"""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from batchjudge.db.accounts import Role, User
from batchjudge.monitoring.adoption import AdoptionFigures
from batchjudge.monitoring.dashboard import DashboardFigures
from batchjudge.monitoring.efficiency import EfficiencyFigures
from batchjudge.monitoring.metrics_service import AllMetrics, Figure, ResetRecord
from batchjudge.monitoring.performance import PerformanceFigures
from batchjudge.monitoring.windows import DEFAULT_WINDOW, WindowName
from batchjudge.service.auth import CurrentUser, State, current_user, require_role, service_state
from batchjudge.service.client_address import client_ip
from batchjudge.service.state import ServiceState

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])

WindowQuery = Annotated[
    WindowName,
    Query(
        description="How far back: 1h, 24h, 7d or 30d (from the latest reset at most), "
        "or all (ignores resets).",
    ),
]
_STAFF = (Role.TEACHER, Role.ADMIN)


class ResetIn(BaseModel):
    """Why the metrics are reset (kept with the audit record)."""

    note: str = Field(default="", max_length=500)


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _caller(request: Request, state: ServiceState) -> User:
    """The caller, as the CurrentUser dependency finds it (401 otherwise)."""
    token = _bearer_token(request)
    found = state.recent_tokens.lookup(token) if token is not None else None
    if found is not None and not found.renew:
        return found.user
    try:
        # The CurrentUser dependency's own function, called directly: one thread hop for
        # its database read instead of one per dependency.
        user = await run_in_threadpool(current_user, request, state)
    except Exception:
        if token is not None:
            state.recent_tokens.forget(token)
        raise
    if token is not None:
        state.recent_tokens.remember(token, user)
    return user


async def _answer(
    request: Request, figure: Figure, window: WindowName, roles: tuple[Role, ...]
) -> Response:
    """The figure's JSON for a user with one of `roles` (401/403 otherwise)."""
    state = service_state(request)
    require_role(await _caller(request, state), *roles)
    service = state.metrics_service
    found = service.cached_answer(figure, window)
    if found is None:  # nothing usable cached: compute it, and wait
        body = await run_in_threadpool(service.answer, figure, window)
        return Response(body, media_type="application/json")
    body, due = found
    # A stale figure is sent at once and recomputed once the answer has gone.
    refresh = BackgroundTask(service.answer, figure, window) if due else None
    return Response(body, media_type="application/json", background=refresh)


@router.get("/dashboard", response_model=DashboardFigures)
async def dashboard(request: Request, window: WindowQuery = DEFAULT_WINDOW) -> Response:
    """The key figures at a glance, with health status and firing alerts (teacher, admin)."""
    return await _answer(request, Figure.DASHBOARD, window, _STAFF)


@router.get("/efficiency", response_model=EfficiencyFigures)
async def efficiency(request: Request, window: WindowQuery = DEFAULT_WINDOW) -> Response:
    """Tests graded per execution, calls saved, remote calls and cost (teacher, admin)."""
    return await _answer(request, Figure.EFFICIENCY, window, _STAFF)


@router.get("/adoption", response_model=AdoptionFigures)
async def adoption(request: Request, window: WindowQuery = DEFAULT_WINDOW) -> Response:
    """Active users, feature usage, new and returning users, satisfaction (teacher, admin)."""
    return await _answer(request, Figure.ADOPTION, window, _STAFF)


@router.get("/performance", response_model=PerformanceFigures)
async def performance(request: Request, window: WindowQuery = DEFAULT_WINDOW) -> Response:
    """Grading time, queue wait, success and error rates, API latency (teacher, admin)."""
    return await _answer(request, Figure.PERFORMANCE, window, _STAFF)


@router.get("/metrics", response_model=AllMetrics)
async def all_metrics(request: Request, window: WindowQuery = DEFAULT_WINDOW) -> Response:
    """Every figure in one document (admin)."""
    return await _answer(request, Figure.METRICS, window, (Role.ADMIN,))


@router.post("/reset", status_code=201)
def reset(
    request: Request,
    state: State,
    user: CurrentUser,
    body: Annotated[ResetIn | None, Body()] = None,
) -> ResetRecord:
    """Start new metrics windows from now; nothing is deleted, `window=all` keeps all (admin)."""
    require_role(user, Role.ADMIN)
    note = body.note if body is not None else ""
    return state.metrics_service.reset(user, note, client_ip(request))

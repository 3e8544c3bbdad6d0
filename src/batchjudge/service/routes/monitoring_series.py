"""`GET /api/v1/monitoring/series`: the efficiency and grading-time figures of a window,
bucket by bucket, for charts (teacher, admin)."""

from typing import Annotated

from fastapi import APIRouter, Query

from batchjudge.db.accounts import Role
from batchjudge.monitoring.series import SeriesFigures, SeriesWindow, compute_series
from batchjudge.service.auth import CurrentUser, State, require_role

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])

SeriesWindowQuery = Annotated[
    SeriesWindow,
    Query(
        description="24h (hourly buckets), 7d (6-hourly) or 30d (daily), starting no "
        "earlier than the latest reset.",
    ),
]


@router.get("/series")
def series(
    state: State, user: CurrentUser, window: SeriesWindowQuery = SeriesWindow.DAY
) -> SeriesFigures:
    """Finished submissions, tests, run executions, calls saved, efficiency gain and
    grading-time percentiles per bucket of the window (teacher, admin)."""
    require_role(user, Role.TEACHER, Role.ADMIN)
    service = state.metrics_service
    service.refresh()  # the rollup the buckets are read from, brought up to date
    span = service.window(window.window_name)
    with state.sessions() as session:
        return compute_series(session, span, window.bucket)

"""The admin pages: the monitoring dashboard here; the account pages in `admin_users`,
`admin_tokens` and `admin_keys` (included below, so the app includes one router)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from batchjudge.db.accounts import Role
from batchjudge.monitoring.series import SeriesWindow
from batchjudge.web.page_auth import PageViewer, require_page_role
from batchjudge.web.rendering import render
from batchjudge.web.routes import admin_abuse, admin_keys, admin_tokens, admin_users

router = APIRouter(include_in_schema=False)
router.include_router(admin_users.router)
router.include_router(admin_tokens.router)
router.include_router(admin_keys.router)
router.include_router(admin_abuse.router)

#: How often the dashboard refreshes its figures, in seconds, unless `?refresh=` says.
REFRESH_S = 30
REFRESH_RANGE = (1, 300)


def refresh_period(asked: str | None) -> int:
    """`?refresh=` as seconds within REFRESH_RANGE; REFRESH_S when absent or not a number."""
    try:
        seconds = int(asked or "")
    except ValueError:
        return REFRESH_S
    low, high = REFRESH_RANGE
    return min(max(seconds, low), high)


def chosen_window(asked: str | None) -> SeriesWindow:
    """`?window=` when it names a series window, else 24h."""
    try:
        return SeriesWindow(asked or "")
    except ValueError:
        return SeriesWindow.DAY


@router.get("/admin")
def dashboard_page(
    request: Request, who: PageViewer, window: str | None = None, refresh: str | None = None
) -> HTMLResponse:
    """The monitoring dashboard: a shell its script fills in and keeps fresh."""
    require_page_role(who, Role.ADMIN)
    return render(
        request,
        "admin/dashboard.html",
        who,
        nav="admin",
        window=chosen_window(window),
        windows=list(SeriesWindow),
        refresh_s=refresh_period(refresh),
    )

"""The abuse flags page: active and recent flags, each active one with a Clear button
(a plain form post, CSRF-checked like the other admin forms)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from batchjudge.db.accounts import Role
from batchjudge.domain.errors import ConflictError, NotFoundError
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services.abuse import Signal, clear_flag, list_flags
from batchjudge.web.admin_forms import check_csrf, done, notice
from batchjudge.web.admin_pages import FormText, sentence
from batchjudge.web.page_auth import PageViewer, require_page_role
from batchjudge.web.rendering import render

router = APIRouter(include_in_schema=False)

SIGNAL_NAMES = {
    Signal.SANDBOX_VIOLATIONS.value: "Sandbox violations",
    Signal.SUBMISSION_FLOOD.value: "Submission flood",
    Signal.OVERSIZED_UPLOAD.value: "Oversized uploads",
}


def _page(
    request: Request, state: State, who: PageViewer, error: str | None = None
) -> HTMLResponse:
    with state.sessions() as session:
        flags = list_flags(session)
    return render(
        request,
        "admin/abuse.html",
        who,
        nav="abuse",
        flags=flags,
        signal_names=SIGNAL_NAMES,
        notice=notice(request.query_params.get("done")),
        errors={"clear": error} if error else {},
    )


@router.get("/admin/abuse")
def abuse_page(request: Request, state: State, who: PageViewer) -> HTMLResponse:
    """Every active flag and those of the last 30 days."""
    require_page_role(who, Role.ADMIN)
    return _page(request, state, who)


@router.post("/admin/abuse/{flag_id}/clear")
def clear_action(
    request: Request, state: State, who: PageViewer, flag_id: IdPath, csrf_token: FormText = ""
) -> Response:
    """Lift a flag's block now (audited)."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    try:
        with state.sessions.begin() as session:
            clear_flag(session, flag_id, who.user.id, client_ip(request))
    except (ConflictError, NotFoundError) as exc:
        return _page(request, state, who, sentence(str(exc)))
    return done("/admin/abuse", "abuse-cleared", "flags")

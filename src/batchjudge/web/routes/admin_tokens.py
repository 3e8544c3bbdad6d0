"""A user's API tokens: issue one (shown in full once, in the answer) or revoke one."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from batchjudge.db.accounts import Role
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services.actor import Actor
from batchjudge.services.audited_accounts import issue_token, revoke_token
from batchjudge.web.admin_forms import check_csrf, done
from batchjudge.web.admin_pages import MAX_NAME, FormText, user_page
from batchjudge.web.page_auth import PageViewer, require_page_role

router = APIRouter(include_in_schema=False)

#: The longest lifetime a token may be given, in days.
MAX_TOKEN_DAYS = 3650


@router.post("/admin/users/{user_id}/tokens")
def issue_token_action(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: IdPath,
    label: FormText = "",
    expires_in_days: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Issue an API token; the answer shows it in full, this once."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    problem = None
    days: int | None = None
    if len(label.strip()) > MAX_NAME:
        problem = f"A label has at most {MAX_NAME} characters."
    elif expires_in_days.strip():
        try:
            days = int(expires_in_days)
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_TOKEN_DAYS:
            problem = f"A token expires after 1 to {MAX_TOKEN_DAYS} days, or never (leave empty)."
    if problem is not None:
        return user_page(request, state, who, user_id, errors={"tokens": problem})
    actor = Actor(who.user.id, client_ip(request), "web")
    with state.sessions.begin() as session:
        _row, token = issue_token(session, actor, user_id, label.strip(), days)
    issued = "Token issued."
    return user_page(request, state, who, user_id, notice=issued, new_token=token)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_action(
    request: Request, state: State, who: PageViewer, token_id: IdPath, csrf_token: FormText = ""
) -> Response:
    """Revoke a token at once."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    actor = Actor(who.user.id, client_ip(request), "web")
    with state.sessions.begin() as session:
        owner = revoke_token(session, actor, token_id).user_id
    state.recent_tokens.forget_all()
    return done(f"/admin/users/{owner}", "revoked", "tokens")

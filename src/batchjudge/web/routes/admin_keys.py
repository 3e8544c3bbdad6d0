"""The Judge0 keys on the users page: add one (encrypted under the master key) or retire
it. A key is never shown again, nor put back into the form after a mistake."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from batchjudge.db.accounts import Role
from batchjudge.domain.errors import ConfigError, ConflictError
from batchjudge.judge0.master_key import load_master_keys
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.services.actor import Actor
from batchjudge.services.audited_judge0_keys import add_key, retire_key
from batchjudge.services.judge0_keys import DEFAULT_DAILY_QUOTA
from batchjudge.web.admin_forms import check_csrf, done
from batchjudge.web.admin_pages import FormText, sentence, users_page
from batchjudge.web.page_auth import PageViewer, require_page_role

router = APIRouter(include_in_schema=False)


@router.post("/admin/judge0-keys")
def add_key_action(
    request: Request,
    state: State,
    who: PageViewer,
    label: FormText = "",
    key: FormText = "",
    daily_quota: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Store a Judge0 key."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    values = {"key_label": label, "daily_quota": daily_quota}
    try:
        quota = int(daily_quota) if daily_quota.strip() else DEFAULT_DAILY_QUOTA
    except ValueError:
        quota = 0  # refused by add_key with the allowed range
    try:
        cipher = load_master_keys(state.settings, state.data_dir).cipher()
        actor = Actor(who.user.id, client_ip(request), "web")
        with state.sessions.begin() as session:
            add_key(session, actor, cipher, label.strip(), key, quota)
    except (ConfigError, ConflictError) as exc:
        errors = {"keys": sentence(str(exc))}
        return users_page(request, state, who, errors=errors, values=values)
    return done("/admin/users", "key-added", "judge0-keys")


@router.post("/admin/judge0-keys/{label}/retire")
def retire_key_action(
    request: Request, state: State, who: PageViewer, label: str, csrf_token: FormText = ""
) -> Response:
    """Retire a Judge0 key for good."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    with state.sessions.begin() as session:
        retire_key(session, Actor(who.user.id, client_ip(request), "web"), label)
    return done("/admin/users", "key-retired", "judge0-keys")

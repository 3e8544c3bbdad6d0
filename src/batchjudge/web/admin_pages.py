"""Rendering the account pages: the users list and one user's page, each with the
messages of a form that was refused (answered 200, as the sign-in form is: the page is
what the browser asked for) and the notice of an action that worked."""

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from batchjudge.db.accounts import Role
from batchjudge.domain.errors import NotFoundError
from batchjudge.service.auth import State
from batchjudge.services.judge0_keys import list_keys
from batchjudge.services.quotas import fetch_usage
from batchjudge.web.admin_forms import notice
from batchjudge.web.admin_listing import (
    fetch_institutions,
    fetch_tokens,
    fetch_user,
    fetch_users,
)
from batchjudge.web.page_auth import PageViewer
from batchjudge.web.rendering import render

FormText = Annotated[str, Form(max_length=1000)]
#: The longest label or name the database keeps.
MAX_NAME = 200


def sentence(message: str) -> str:
    """A service's message as the page shows it: capitalised, with a full stop."""
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def users_page(
    request: Request,
    state: State,
    who: PageViewer,
    **context: Any,
) -> HTMLResponse:
    """The users list with its forms; `errors` and `values` re-fill a form that failed
    (answered 200, as the sign-in form is: the page is what the browser asked for)."""
    with state.sessions() as session:
        users = fetch_users(session)
        institutions = fetch_institutions(session)
        usage = {row.id: fetch_usage(session, row.id) for row in institutions}
        keys = list_keys(session)
    return render(
        request,
        "admin/users.html",
        who,
        nav="users",
        users=users,
        institutions=institutions,
        usage=usage,
        keys=keys,
        roles=list(Role),
        notice=notice(request.query_params.get("done")),
        errors=context.pop("errors", {}),
        values=context.pop("values", {}),
        **context,
    )


def user_page(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: int,
    **context: Any,
) -> HTMLResponse:
    """One user's page: their account, password and tokens (`new_token`: shown once)."""
    with state.sessions() as session:
        user = fetch_user(session, user_id)
        if user is None:
            raise NotFoundError(f"there is no user {user_id}")
        tokens = fetch_tokens(session, user_id)
    return render(
        request,
        "admin/user.html",
        who,
        nav="users",
        user=user,
        tokens=tokens,
        roles=list(Role),
        is_self=user.id == who.user.id,
        notice=context.pop("notice", None) or notice(request.query_params.get("done")),
        errors=context.pop("errors", {}),
        **context,
    )

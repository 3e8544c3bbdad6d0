"""The account pages: users (create, role, deactivate, password) and institutions. Plain
form posts, so every control works from the keyboard and without scripts; a mistake
re-renders the form with the message next to it."""

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from batchjudge.db.accounts import Institution, Role
from batchjudge.domain.errors import ConflictError, InvalidInputError
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services import audited_accounts
from batchjudge.services.accounts import find_or_create_institution
from batchjudge.services.actor import Actor
from batchjudge.web.admin_forms import check_csrf, done
from batchjudge.web.admin_pages import MAX_NAME, FormText, sentence, user_page, users_page
from batchjudge.web.page_auth import PageViewer, require_page_role

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def list_users_page(request: Request, state: State, who: PageViewer) -> HTMLResponse:
    """Users, institutions and Judge0 keys, with the forms to add them."""
    require_page_role(who, Role.ADMIN)
    return users_page(request, state, who)


@router.post("/admin/users")
def create_user_action(
    request: Request,
    state: State,
    who: PageViewer,
    name: FormText = "",
    role: FormText = "",
    institution: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Create a user (and their first token, shown once); with a password if one is given."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    values = {"name": name, "role": role, "institution": institution}
    clean = name.strip()
    problem = None
    if not clean:
        problem = "Give the user a name."
    elif len(clean) > MAX_NAME:
        problem = f"A name has at most {MAX_NAME} characters."
    elif role not in {r.value for r in Role}:
        problem = "Choose a role: student, teacher or admin."
    if problem is not None:
        return users_page(request, state, who, errors={"create": problem}, values=values)
    try:
        actor = Actor(who.user.id, client_ip(request), "web")
        with state.sessions.begin() as session:
            user, token = audited_accounts.create_user(
                session, actor, clean, Role(role), institution.strip() or None
            )
            if password:  # in the same transaction: a refused password creates nobody
                audited_accounts.set_password(session, actor, state.passwords, user.id, password)
            user_id = user.id
    except (ConflictError, InvalidInputError) as exc:
        errors = {"create": sentence(str(exc))}
        return users_page(request, state, who, errors=errors, values=values)
    created = f"User {clean} created."
    if password:
        created += " They can sign in with the password you gave."
    return user_page(request, state, who, user_id, notice=created, new_token=token)


@router.post("/admin/institutions")
def create_institution_action(
    request: Request,
    state: State,
    who: PageViewer,
    name: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Create an institution."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    clean = name.strip()
    problem = None
    if not clean or len(clean) > MAX_NAME:
        problem = f"Give the institution a name of 1 to {MAX_NAME} characters."
    else:
        with state.sessions.begin() as session:
            if session.scalar(select(Institution.id).where(Institution.name == clean)):
                problem = f"An institution called {clean!r} exists already."
            else:
                find_or_create_institution(session, clean)
    if problem is not None:
        values = {"institution_name": name}
        errors = {"institution": problem}
        return users_page(request, state, who, errors=errors, values=values)
    return done("/admin/users", "institution", "institutions")


@router.get("/admin/users/{user_id}")
def user_detail_page(
    request: Request, state: State, who: PageViewer, user_id: IdPath
) -> HTMLResponse:
    """One user: role, active, password and API tokens."""
    require_page_role(who, Role.ADMIN)
    return user_page(request, state, who, user_id)


def _change_account(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: int,
    role: Role | None,
    active: bool | None,
) -> None:
    """Set a user's role or active flag; admins cannot lock themselves out."""
    if user_id == who.user.id:
        if role is not None and role is not Role.ADMIN:
            raise InvalidInputError("you cannot take the admin role from yourself")
        if active is False:
            raise InvalidInputError("you cannot deactivate your own account")
    actor = Actor(who.user.id, client_ip(request), "web")
    with state.sessions.begin() as session:
        audited_accounts.change_account(session, actor, user_id, role, active)
    state.recent_tokens.forget_all()  # the change holds at once on every endpoint


def _account_action(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: int,
    form: str,
    act: Callable[[], None],
    code: str,
) -> Response:
    """Run `act()`; on a refusal, the user's page with the message next to `form`."""
    try:
        act()
    except (InvalidInputError, ConflictError) as exc:
        errors = {form: sentence(str(exc))}
        return user_page(request, state, who, user_id, errors=errors)
    return done(f"/admin/users/{user_id}", code, form)


@router.post("/admin/users/{user_id}/role")
def change_role_action(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: IdPath,
    role: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Change a user's role."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)

    def act() -> None:
        if role not in {r.value for r in Role}:
            raise InvalidInputError("choose a role: student, teacher or admin")
        _change_account(request, state, who, user_id, Role(role), None)

    return _account_action(request, state, who, user_id, "account", act, "role")


@router.post("/admin/users/{user_id}/active")
def change_active_action(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: IdPath,
    active: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Deactivate a user (tokens and sessions stop working) or reactivate them."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)
    wanted = active == "true"
    code = "reactivated" if wanted else "deactivated"

    def act() -> None:
        _change_account(request, state, who, user_id, None, wanted)

    return _account_action(request, state, who, user_id, "account", act, code)


@router.post("/admin/users/{user_id}/password")
def set_password_action(
    request: Request,
    state: State,
    who: PageViewer,
    user_id: IdPath,
    password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Give a user a new password (their browser sessions end)."""
    require_page_role(who, Role.ADMIN)
    check_csrf(who, csrf_token)

    def act() -> None:
        actor = Actor(who.user.id, client_ip(request), "web")
        with state.sessions.begin() as session:
            audited_accounts.set_password(session, actor, state.passwords, user_id, password)

    return _account_action(request, state, who, user_id, "password", act, "password")

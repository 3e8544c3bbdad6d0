"""Signing in and out, and the start page that sends each role where it works."""

import math
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from batchjudge.db.accounts import Role, User
from batchjudge.domain.errors import RateLimitedError, SignInError
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.services.web_sessions import (
    SESSION_COOKIE,
    csrf_matches,
    find_session,
    record_failed_sign_in,
)
from batchjudge.services.web_sessions import sign_in as open_session
from batchjudge.services.web_sessions import sign_out as end_session
from batchjudge.web.cookies import (
    SIGN_IN_CSRF_COOKIE,
    clear_session_cookie,
    set_cookie,
    set_session_cookie,
)
from batchjudge.web.page_auth import OptionalViewer
from batchjudge.web.rendering import render

router = APIRouter(include_in_schema=False)

#: Where each role lands after signing in.
HOME_BY_ROLE = {Role.STUDENT: "/problems", Role.TEACHER: "/teach", Role.ADMIN: "/admin"}


def _safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@router.get("/")
def start(who: OptionalViewer) -> RedirectResponse:
    """Signed in: the role's home page; otherwise the sign-in page."""
    target = HOME_BY_ROLE[who.user.role] if who is not None else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/login")
def sign_in_page(request: Request, who: OptionalViewer, next: str | None = None) -> Response:
    """The sign-in form (signed-in users go straight on)."""
    if who is not None:
        return RedirectResponse(_safe_next(next) or HOME_BY_ROLE[who.user.role], status_code=303)
    return _form(request, next, error=None, name="")


def _form(request: Request, next_url: str | None, error: str | None, name: str) -> Response:
    csrf = secrets.token_urlsafe(32)
    response = render(
        request,
        "signin.html",
        None,
        csrf_token=csrf,
        next_url=_safe_next(next_url) or "",
        error=error,
        name=name,
    )
    set_cookie(request, response, SIGN_IN_CSRF_COOKIE, csrf, max_age=3600)
    return response


@router.post("/login")
def sign_in(
    request: Request,
    state: State,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the name and password; open a session and go on, or show the form again."""
    try:
        state.rate_limits.check_anonymous(client_ip(request))
    except RateLimitedError as exc:
        wait = str(max(1, math.ceil(exc.retry_after_s or 60)))
        message = f"Too many sign-in attempts from your address: try again in {wait} seconds."
        refused = _form(request, next, message, name)
        refused.status_code = 429
        refused.headers["Retry-After"] = wait
        return refused
    expected = request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _form(request, next, "The form had expired. Please sign in again.", name)
    try:
        with state.sessions.begin() as session:
            opened = open_session(
                session, state.passwords, name.strip(), password, ip=client_ip(request)
            )
            role = session.get_one(User, opened.user_id).role
    except SignInError:
        with state.sessions.begin() as session:
            record_failed_sign_in(session, name.strip(), client_ip(request))
        return _form(request, next, "The name or the password is wrong.", name)
    response = RedirectResponse(_safe_next(next) or HOME_BY_ROLE[role], status_code=303)
    set_session_cookie(request, response, opened.token)
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def sign_out(
    request: Request,
    state: State,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """End this browser's session (a forged request, without the CSRF token, does not)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    with state.sessions.begin() as session:
        row = find_session(session, token)
        if row is not None and csrf_matches(row, csrf_token):
            end_session(session, token, client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response

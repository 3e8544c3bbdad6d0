"""Who is calling: a bearer token, resolved to an active user."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.service.errors import ApiError
from batchjudge.service.state import ServiceState
from batchjudge.services.accounts import authenticate
from batchjudge.services.web_sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_matches,
    find_session,
)

#: Methods that change nothing, so need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def service_state(request: Request) -> ServiceState:
    """The state the lifespan built."""
    state = request.app.state.service
    assert isinstance(state, ServiceState)
    return state


State = Annotated[ServiceState, Depends(service_state)]


def current_user(request: Request, state: State) -> User:
    """The user behind `Authorization: Bearer <token>`, or behind the web UI's session
    cookie; 401 otherwise. A cookie-borne request that changes something must carry the
    session's CSRF token in `X-CSRF-Token` (403 otherwise)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return _token_user(state, token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _session_user(request, state, cookie)
    raise ApiError(
        401,
        "unauthorized",
        "send an API token as `Authorization: Bearer <token>`, or sign in",
        {"WWW-Authenticate": "Bearer"},
    )


def _token_user(state: ServiceState, token: str) -> User:
    session: Session
    with state.sessions.begin() as session:
        user = authenticate(session, token)
        if user is None:
            raise ApiError(
                401,
                "unauthorized",
                "the API token is invalid, expired or revoked",
                {"WWW-Authenticate": "Bearer"},
            )
        session.expunge(user)
    return user


def _session_user(request: Request, state: ServiceState, cookie: str) -> User:
    session: Session
    with state.sessions.begin() as session:
        row = find_session(session, cookie)
        if row is None:
            raise ApiError(401, "unauthorized", "your session has ended: sign in again")
        if request.method not in SAFE_METHODS and not csrf_matches(
            row, request.headers.get(CSRF_HEADER)
        ):
            raise ApiError(
                403, "csrf", f"send the page's CSRF token in {CSRF_HEADER} with this request"
            )
        user = row.user
        session.expunge(user)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(user: User, *roles: Role) -> None:
    """403 unless `user` has one of `roles`."""
    if user.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise ApiError(403, "forbidden", f"this needs the {allowed} role")

"""Who is calling: a bearer token, resolved to an active user."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.service.errors import ApiError
from batchjudge.service.state import ServiceState
from batchjudge.services.accounts import authenticate


def service_state(request: Request) -> ServiceState:
    """The state the lifespan built."""
    state = request.app.state.service
    assert isinstance(state, ServiceState)
    return state


State = Annotated[ServiceState, Depends(service_state)]


def current_user(request: Request, state: State) -> User:
    """The user behind `Authorization: Bearer <token>`, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send an API token as `Authorization: Bearer <token>`",
            {"WWW-Authenticate": "Bearer"},
        )
    session: Session
    with state.sessions.begin() as session:
        user = authenticate(session, token.strip())
        if user is None:
            raise ApiError(
                401,
                "unauthorized",
                "the API token is invalid, expired or revoked",
                {"WWW-Authenticate": "Bearer"},
            )
        session.expunge(user)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(user: User, *roles: Role) -> None:
    """403 unless `user` has one of `roles`."""
    if user.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise ApiError(403, "forbidden", f"this needs the {allowed} role")

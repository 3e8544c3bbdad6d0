"""Admin endpoints: institutions, users and their tokens."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from batchjudge.db.accounts import ApiToken, Institution, Role, User
from batchjudge.domain.errors import ConflictError
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services import audited_accounts
from batchjudge.services.accounts import find_or_create_institution
from batchjudge.services.actor import Actor

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class InstitutionIn(BaseModel):
    """A new institution."""

    name: str = Field(min_length=1, max_length=200)


class InstitutionOut(BaseModel):
    """An institution."""

    id: int
    name: str


class UserIn(BaseModel):
    """A new user."""

    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.STUDENT
    institution: str | None = None


class UserOut(BaseModel):
    """A user (and, right after creation, their first token)."""

    id: int
    name: str
    role: Role
    institution_id: int | None
    active: bool
    token: str | None = None


class UserPatch(BaseModel):
    """Changes to a user."""

    role: Role | None = None
    active: bool | None = None


class TokenIn(BaseModel):
    """A new token for a user."""

    label: str = Field(default="", max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    """A token; the plain text appears only in the answer that created it."""

    id: int
    user_id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last4: str = Field(description="The token's last 4 characters (empty for old tokens).")
    token: str | None = None


def _user_out(user: User, token: str | None = None) -> UserOut:
    return UserOut(
        id=user.id,
        name=user.name,
        role=user.role,
        institution_id=user.institution_id,
        active=user.active,
        token=token,
    )


def _token_out(row: ApiToken, token: str | None = None) -> TokenOut:
    return TokenOut(
        id=row.id,
        user_id=row.user_id,
        label=row.label,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last4=row.last4,
        token=token,
    )


@router.post("/institutions", status_code=201)
def create_institution(state: State, user: CurrentUser, body: InstitutionIn) -> InstitutionOut:
    """Create an institution."""
    require_role(user, Role.ADMIN)
    with state.sessions.begin() as session:
        if session.scalar(select(Institution.id).where(Institution.name == body.name)):
            raise ConflictError(f"an institution called {body.name!r} exists already")
        institution = find_or_create_institution(session, body.name)
        session.flush()
        return InstitutionOut(id=institution.id, name=institution.name)


@router.get("/institutions")
def list_institutions(state: State, user: CurrentUser) -> list[InstitutionOut]:
    """Every institution."""
    require_role(user, Role.ADMIN)
    with state.sessions() as session:
        rows = session.scalars(select(Institution).order_by(Institution.id))
        return [InstitutionOut(id=row.id, name=row.name) for row in rows]


@router.post("/users", status_code=201)
def create_user_endpoint(
    request: Request, state: State, user: CurrentUser, body: UserIn
) -> UserOut:
    """Create a user; the answer carries their first token, shown only here."""
    require_role(user, Role.ADMIN)
    actor = Actor(user.id, client_ip(request), "api")
    with state.sessions.begin() as session:
        created, token = audited_accounts.create_user(
            session, actor, body.name, body.role, body.institution
        )
        session.flush()
        return _user_out(created, token)


@router.get("/users")
def list_users(state: State, user: CurrentUser) -> list[UserOut]:
    """Every user."""
    require_role(user, Role.ADMIN)
    with state.sessions() as session:
        return [_user_out(row) for row in session.scalars(select(User).order_by(User.id))]


@router.patch("/users/{user_id}")
def update_user(
    request: Request, state: State, user: CurrentUser, user_id: IdPath, body: UserPatch
) -> UserOut:
    """Change a user's role, or deactivate them (their tokens stop working)."""
    require_role(user, Role.ADMIN)
    actor = Actor(user.id, client_ip(request), "api")
    with state.sessions.begin() as session:
        row = audited_accounts.change_account(session, actor, user_id, body.role, body.active)
        answer = _user_out(row)
    state.recent_tokens.forget_all()  # the change holds at once on every endpoint
    return answer


@router.post("/users/{user_id}/tokens", status_code=201)
def create_token(
    request: Request, state: State, user: CurrentUser, user_id: IdPath, body: TokenIn
) -> TokenOut:
    """Issue another token for a user."""
    require_role(user, Role.ADMIN)
    actor = Actor(user.id, client_ip(request), "api")
    with state.sessions.begin() as session:
        row, token = audited_accounts.issue_token(
            session, actor, user_id, body.label, body.expires_in_days
        )
        return _token_out(row, token)


@router.get("/users/{user_id}/tokens")
def list_tokens(state: State, user: CurrentUser, user_id: IdPath) -> list[TokenOut]:
    """A user's tokens (never their plain text)."""
    require_role(user, Role.ADMIN)
    with state.sessions() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        )
        return [_token_out(row) for row in rows]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(request: Request, state: State, user: CurrentUser, token_id: IdPath) -> None:
    """Revoke a token at once."""
    require_role(user, Role.ADMIN)
    with state.sessions.begin() as session:
        audited_accounts.revoke_token(session, Actor(user.id, client_ip(request), "api"), token_id)
    state.recent_tokens.forget_all()

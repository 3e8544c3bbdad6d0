"""What the account pages show: users, their API tokens and the institutions, read as
plain rows (never a token's hash, never a password hash)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import ApiToken, Institution, Role, User
from batchjudge.services.accounts import TOKEN_PREFIX


@dataclass(frozen=True)
class UserRow:
    """A user as the list shows them."""

    id: int
    name: str
    role: Role
    institution: str | None
    institution_id: int | None
    active: bool
    has_password: bool
    live_tokens: int
    created_at: datetime


@dataclass(frozen=True)
class TokenRow:
    """An API token as the list shows it. `shown` is what may be displayed of the token
    itself: its prefix and last 4 characters (only a hash of the whole is stored)."""

    id: int
    label: str
    shown: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str


@dataclass(frozen=True)
class InstitutionRow:
    """An institution and how many users belong to it."""

    id: int
    name: str
    users: int


def token_state(row: ApiToken, now: datetime) -> str:
    """`revoked`, `expired` or `active`."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


def _users(now: datetime) -> Select[User, str | None, int]:
    live = (
        select(func.count())
        .where(
            ApiToken.user_id == User.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at.is_(None) | (ApiToken.expires_at > now),
        )
        .scalar_subquery()
    )
    return select(User, Institution.name, live).outerjoin(
        Institution, Institution.id == User.institution_id
    )


def fetch_users(session: Session, now: datetime | None = None) -> list[UserRow]:
    """Every user, by name, with their institution and count of live tokens."""
    rows = session.execute(_users(now or datetime.now(UTC)).order_by(User.name))
    return [_user_row(user, institution, tokens) for user, institution, tokens in rows]


def fetch_user(session: Session, user_id: int, now: datetime | None = None) -> UserRow | None:
    """One user, or None."""
    query = _users(now or datetime.now(UTC)).where(User.id == user_id)
    found = session.execute(query).first()
    return _user_row(*found) if found is not None else None


def _user_row(user: User, institution: str | None, tokens: int) -> UserRow:
    return UserRow(
        id=user.id,
        name=user.name,
        role=Role(user.role),
        institution=institution,
        institution_id=user.institution_id,
        active=user.active,
        has_password=user.password_hash is not None,
        live_tokens=int(tokens),
        created_at=user.created_at,
    )


def fetch_tokens(session: Session, user_id: int, now: datetime | None = None) -> list[TokenRow]:
    """A user's tokens, newest first."""
    moment = now or datetime.now(UTC)
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    )
    return [
        TokenRow(
            id=row.id,
            label=row.label,
            shown=TOKEN_PREFIX + "…" + row.last4,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            state=token_state(row, moment),
        )
        for row in rows
    ]


def fetch_institutions(session: Session) -> list[InstitutionRow]:
    """Every institution, by name, with its number of users."""
    members = select(func.count()).where(User.institution_id == Institution.id).scalar_subquery()
    query: Select[Institution, int] = select(Institution, members).order_by(Institution.name)
    rows = session.execute(query)
    return [InstitutionRow(row.id, row.name, int(count)) for row, count in rows]

"""Account changes made by an admin or the operator, each with its audit entry.

The admin API, the admin pages and the command line all change accounts through these
functions, so each change is logged once, in the transaction that makes it. Targets name
users and tokens by id (`user:12`, `token:40`), never by name: the log is append-only,
and a name in it could not be erased by a privacy deletion later.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import ApiToken, Role, User
from batchjudge.domain.errors import NotFoundError
from batchjudge.services import accounts, web_sessions
from batchjudge.services.actor import Actor
from batchjudge.services.audit import AuditAction, Detail, record
from batchjudge.services.passwords import Passwords


def user_target(user_id: int) -> str:
    """How the log names a user."""
    return f"user:{user_id}"


def user_id_of(session: Session, name: str) -> int:
    """The id of the user called `name` (the command line names users).

    Raises:
        NotFoundError: no such user.
    """
    user_id = session.scalars(select(User.id).where(User.name == name)).first()
    if user_id is None:
        raise NotFoundError(f"there is no user {name!r}")
    return user_id


def _record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    target: str,
    **details: Detail,
) -> None:
    record(
        session,
        action,
        actor_id=actor.user_id,
        target=target,
        details={"via": actor.via, **details},
        ip=actor.ip,
    )


def create_user(
    session: Session, actor: Actor, name: str, role: Role, institution: str | None = None
) -> tuple[User, str]:
    """`accounts.create_user`, audited (the first token is part of it, not logged apart)."""
    user, token = accounts.create_user(session, name, role, institution)
    session.flush()
    _record(session, actor, AuditAction.USER_CREATED, user_target(user.id), role=role.value)
    return user, token


def change_account(
    session: Session,
    actor: Actor,
    user_id: int,
    role: Role | None = None,
    active: bool | None = None,
) -> User:
    """Set a user's role and/or active flag; only what really changes is logged.

    Raises:
        NotFoundError: no such user.
    """
    row = session.get(User, user_id)
    if row is None:
        raise NotFoundError(f"there is no user {user_id}")
    target = user_target(user_id)
    if role is not None and role != row.role:
        before = Role(row.role).value
        row.role = role
        _record(session, actor, AuditAction.ROLE_CHANGED, target, old=before, new=role.value)
    if active is not None and active != row.active:
        row.active = active
        action = AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED
        _record(session, actor, action, target)
    return row


def set_password(
    session: Session, actor: Actor, passwords: Passwords, user_id: int, password: str
) -> None:
    """`web_sessions.set_password` for the user `user_id`, audited (never the password).

    Raises:
        NotFoundError: no such user.
        InvalidInputError: the password is too short or too long.
    """
    row = session.get(User, user_id)
    if row is None:
        raise NotFoundError(f"there is no user {user_id}")
    web_sessions.set_password(session, passwords, row.name, password)
    _record(session, actor, AuditAction.PASSWORD_SET, user_target(user_id))


def issue_token(
    session: Session,
    actor: Actor,
    user_id: int,
    label: str = "",
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """`accounts.issue_token_for`, audited with the token's id (never the token)."""
    row, token = accounts.issue_token_for(session, user_id, label, expires_in_days)
    _record(
        session,
        actor,
        AuditAction.TOKEN_ISSUED,
        f"token:{row.id}",
        user_id=user_id,
        expires_in_days=expires_in_days,
    )
    return row, token


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """`accounts.revoke_token`, audited when it revokes (revoking twice logs once)."""
    row = session.get(ApiToken, token_id)
    was_live = row is not None and row.revoked_at is None
    row = accounts.revoke_token(session, token_id)
    if was_live:
        _record(session, actor, AuditAction.TOKEN_REVOKED, f"token:{token_id}", user_id=row.user_id)
    return row

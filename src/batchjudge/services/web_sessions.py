"""Signing in to the web UI: a name and password open a browser session, whose random
token travels in a cookie and is stored only as its SHA-256."""

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from batchjudge.db.accounts import User
from batchjudge.db.web import WebSession
from batchjudge.domain.errors import NotFoundError, SignInError
from batchjudge.services.accounts import hash_token
from batchjudge.services.audit import AuditAction, record
from batchjudge.services.passwords import Passwords

#: The cookie that carries a browser session's token.
SESSION_COOKIE = "bj_session"
#: The header a browser's script sends its session's CSRF token in.
CSRF_HEADER = "X-CSRF-Token"
#: A session ends this long after it was last used.
IDLE_LIFETIME = timedelta(days=7)
#: `last_seen_at` is written at most this often (a write per page would contend).
_SEEN_GRANULARITY = timedelta(minutes=5)


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the cookie's token (shown once) and the CSRF token of its forms."""

    token: str
    csrf_token: str
    user_id: int


def sign_in(
    session: Session,
    passwords: Passwords,
    name: str,
    password: str,
    now: datetime | None = None,
    ip: str = "",
) -> OpenedSession:
    """Open a session for the active user `name` if `password` is theirs (audited; a
    refusal is logged by `record_failed_sign_in`, as it rolls this transaction back).

    Raises:
        SignInError: unknown name, wrong password, no password set, or inactive user.
    """
    moment = now or datetime.now(UTC)
    user = session.scalars(select(User).where(User.name == name)).first()
    stored = user.password_hash if user is not None else None
    if not passwords.verify(stored, password) or user is None or not user.active:
        raise SignInError("the name or the password is wrong")
    if stored is not None and passwords.needs_rehash(stored):
        user.password_hash = passwords.hash(password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=hash_token(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=moment,
            expires_at=moment + IDLE_LIFETIME,
            last_seen_at=moment,
        )
    )
    session.flush()
    record(session, AuditAction.SIGN_IN, actor_id=user.id, target=f"user:{user.id}", ip=ip)
    return OpenedSession(token, csrf, user.id)


def record_failed_sign_in(session: Session, name: str, ip: str = "") -> None:
    """Log a refused sign-in. The name typed is kept only when it is a user's, and then as
    their id: people type passwords into the name field, and a name that is nobody's
    would sit in the append-only log for good."""
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        record(
            session,
            AuditAction.SIGN_IN_FAILED,
            actor_id=None,
            details={"reason": "unknown_name"},
            ip=ip,
        )
        return
    reason = "inactive" if not user.active else "wrong_password"
    if user.active and user.password_hash is None:
        reason = "no_password"
    record(
        session,
        AuditAction.SIGN_IN_FAILED,
        actor_id=None,
        target=f"user:{user.id}",
        details={"reason": reason},
        ip=ip,
    )


def find_session(session: Session, token: str, now: datetime | None = None) -> WebSession | None:
    """The live session of `token`, with its user loaded; None when unknown, expired or
    its user is inactive. Using a session extends it."""
    moment = now or datetime.now(UTC)
    query = select(WebSession).options(joinedload(WebSession.user))
    row = session.scalars(query.where(WebSession.token_hash == hash_token(token))).first()
    if row is None or row.expires_at <= moment or not row.user.active:
        return None
    if moment - row.last_seen_at > _SEEN_GRANULARITY:
        row.last_seen_at = moment
        row.expires_at = moment + IDLE_LIFETIME
    return row


def csrf_matches(row: WebSession, offered: str | None) -> bool:
    """Whether `offered` is the session's CSRF token (compared in constant time)."""
    return offered is not None and hmac.compare_digest(row.csrf_token, offered)


def sign_out(session: Session, token: str, ip: str = "") -> None:
    """End the session of `token`, if there is one (audited)."""
    row = session.scalars(select(WebSession).where(WebSession.token_hash == hash_token(token)))
    found = row.first()
    if found is None:
        return
    user_id = found.user_id
    session.delete(found)
    record(session, AuditAction.SIGN_OUT, actor_id=user_id, target=f"user:{user_id}", ip=ip)


def set_password(session: Session, passwords: Passwords, name: str, password: str) -> None:
    """Give the user `name` a new password and end their browser sessions.

    Raises:
        NotFoundError: no such user.
        InvalidInputError: the password is too short or too long.
    """
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFoundError(f"there is no user {name!r}")
    user.password_hash = passwords.hash(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))

"""The audit log as admins read it: entries with the names of the users they mention."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import User
from batchjudge.services.audit import AuditEntry, read_entries

#: Most entries one page holds.
MAX_LIMIT = 1000
_USER_TARGET = "user:"


@dataclass(frozen=True)
class NamedEntry:
    """An entry with the current names of its actor and, for a user target, the target.

    Names are looked up now, not stored: after a privacy deletion they read
    `deleted-user-<id>`, while the entry itself, which is append-only, never held them.
    """

    entry: AuditEntry
    actor_name: str | None
    target_name: str | None


def _target_user(target: str) -> int | None:
    number = target.removeprefix(_USER_TARGET)
    if not target.startswith(_USER_TARGET) or not number.isdigit():
        return None
    return int(number)


def list_entries(
    session: Session,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[NamedEntry]:
    """Entries newest first (see `audit.read_entries`); callers keep `limit` within
    MAX_LIMIT (+1 to tell whether another page follows)."""
    entries = read_entries(
        session,
        action=action,
        actor_id=actor_id,
        since=since,
        before_id=before_id,
        limit=limit,
    )
    wanted = {e.actor_id for e in entries if e.actor_id is not None}
    wanted |= {n for e in entries if (n := _target_user(e.target)) is not None}
    names: dict[int, str] = {}
    if wanted:
        rows = session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
        names = {row.id: row.name for row in rows}
    return [
        NamedEntry(
            entry,
            names.get(entry.actor_id) if entry.actor_id is not None else None,
            names.get(target_user) if (target_user := _target_user(entry.target)) else None,
        )
        for entry in entries
    ]

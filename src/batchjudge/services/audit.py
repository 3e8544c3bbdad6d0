"""The audit log: record security-relevant actions and read them back.

An entry is added in the caller's transaction, so an action and its entry commit (or
roll back) together. Details must never hold secrets, passwords or source code.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchjudge.db.audit import AuditEvent

#: JSON-compatible detail values.
Detail = str | int | float | bool | None | list[str] | list[int]


class AuditAction(StrEnum):
    """Every kind of entry the log holds."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    USER_CREATED = "user_created"
    ROLE_CHANGED = "role_changed"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    PASSWORD_SET = "password_set"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    JUDGE0_KEY_ADDED = "judge0_key_added"
    JUDGE0_KEY_RETIRED = "judge0_key_retired"
    MASTER_KEY_ROTATED = "master_key_rotated"
    METRICS_RESET = "metrics_reset"
    PROBLEM_UPLOADED = "problem_uploaded"
    PROBLEM_DELETED = "problem_deleted"
    QUOTA_CHANGED = "quota_changed"
    PRIVACY_EXPORT = "privacy_export"
    PRIVACY_DELETE = "privacy_delete"
    ABUSE_FLAGGED = "abuse_flagged"
    ABUSE_CLEARED = "abuse_cleared"
    BACKUP_MADE = "backup_made"
    BACKUP_RESTORED = "backup_restored"


@dataclass(frozen=True)
class AuditEntry:
    """One entry as readers see it."""

    id: int
    created_at: datetime
    actor_id: int | None
    action: str
    target: str
    details: dict[str, Detail]
    ip: str


def record(
    session: Session,
    action: AuditAction,
    *,
    actor_id: int | None,
    target: str = "",
    details: Mapping[str, Detail] | None = None,
    ip: str = "",
) -> None:
    """Add an entry; it commits with the caller's transaction. `actor_id` is None for
    the system itself or an anonymous caller (a failed sign-in)."""
    session.add(
        AuditEvent(
            actor_id=actor_id,
            action=action.value,
            target=target[:200],
            details=json.dumps(dict(details or {}), sort_keys=True),
            ip=ip[:64],
        )
    )


def read_entries(
    session: Session,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries, newest first, filtered by action, actor and time; `before_id` pages on."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [
        AuditEntry(
            row.id,
            row.created_at,
            row.actor_id,
            row.action,
            row.target,
            json.loads(row.details),
            row.ip,
        )
        for row in session.scalars(query)
    ]

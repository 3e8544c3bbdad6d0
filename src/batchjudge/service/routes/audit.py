"""The audit log endpoint (admins)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from batchjudge.db.accounts import Role
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.ids import IdQuery
from batchjudge.services.audit import AuditAction, Detail
from batchjudge.services.audit_listing import MAX_LIMIT, NamedEntry, list_entries

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class AuditEntryOut(BaseModel):
    """One audit entry. `actor_id` is null for the command line and anonymous callers;
    names are today's (a deleted user reads `deleted-user-<id>`)."""

    id: int
    created_at: datetime
    action: str
    actor_id: int | None
    actor_name: str | None
    target: str
    target_name: str | None
    details: dict[str, Detail]
    ip: str


class AuditPage(BaseModel):
    """Entries newest first; pass `next_before_id` as `before_id` for the next page (null
    on the last page)."""

    entries: list[AuditEntryOut]
    next_before_id: int | None


def _entry_out(named: NamedEntry) -> AuditEntryOut:
    entry = named.entry
    return AuditEntryOut(
        id=entry.id,
        created_at=entry.created_at,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_name=named.actor_name,
        target=entry.target,
        target_name=named.target_name,
        details=entry.details,
        ip=entry.ip,
    )


@router.get("/audit")
def read_audit_log(
    state: State,
    user: CurrentUser,
    action: AuditAction | None = None,
    actor_id: IdQuery = None,
    since: Annotated[
        datetime | None, Query(description="ISO 8601; without a zone it is UTC.")
    ] = None,
    before_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> AuditPage:
    """The audit log, newest first, filtered by action, actor and time (admin)."""
    require_role(user, Role.ADMIN)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with state.sessions() as session:
        entries = list_entries(
            session,
            action=action.value if action is not None else None,
            actor_id=actor_id,
            since=since,
            before_id=before_id,
            limit=limit + 1,  # one more tells whether another page follows
        )
    page = entries[:limit]
    return AuditPage(
        entries=[_entry_out(named) for named in page],
        next_before_id=page[-1].entry.id if len(entries) > limit else None,
    )

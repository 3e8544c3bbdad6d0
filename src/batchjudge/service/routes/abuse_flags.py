"""Admin endpoints for abuse flags: list them, and clear one (which lifts its block)."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from batchjudge.db.accounts import Role
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services.abuse import FlagView, clear_flag, fetch_flag, list_flags

router = APIRouter(prefix="/api/v1/admin/abuse-flags", tags=["admin"])


class AbuseFlagOut(BaseModel):
    """A flag: what raised it, and the block it put on the user's submissions."""

    id: int
    user_id: int
    user_name: str
    signal: str
    detail: str
    created_at: datetime
    blocked_until: datetime
    cleared_at: datetime | None
    cleared_by_id: int | None
    active: bool


def _out(flag: FlagView) -> AbuseFlagOut:
    return AbuseFlagOut(
        id=flag.id,
        user_id=flag.user_id,
        user_name=flag.user_name,
        signal=flag.signal,
        detail=flag.detail,
        created_at=flag.created_at,
        blocked_until=flag.blocked_until,
        cleared_at=flag.cleared_at,
        cleared_by_id=flag.cleared_by_id,
        active=flag.is_active,
    )


@router.get("")
def list_abuse_flags(state: State, user: CurrentUser) -> list[AbuseFlagOut]:
    """Active flags, and every flag of the last 30 days, newest first."""
    require_role(user, Role.ADMIN)
    with state.sessions() as session:
        return [_out(flag) for flag in list_flags(session)]


@router.post("/{flag_id}/clear")
def clear_abuse_flag(
    request: Request, state: State, user: CurrentUser, flag_id: IdPath
) -> AbuseFlagOut:
    """Lift a flag's block now (audited); 409 when it was cleared already."""
    require_role(user, Role.ADMIN)
    with state.sessions.begin() as session:
        clear_flag(session, flag_id, user.id, client_ip(request))
    with state.sessions() as session:
        return _out(fetch_flag(session, flag_id))

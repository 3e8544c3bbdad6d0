"""Institutions' monthly usage and quotas: teachers read their own institution's, admins
read and set any."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from batchjudge.db.accounts import Role, User
from batchjudge.service.auth import CurrentUser, State
from batchjudge.service.client_address import client_ip
from batchjudge.service.errors import ApiError
from batchjudge.service.ids import IdPath
from batchjudge.services.quotas import (
    UNCHANGED,
    Allowance,
    InstitutionUsage,
    fetch_usage,
    set_quotas,
)

router = APIRouter(prefix="/api/v1/institutions", tags=["institutions"])

#: The largest quota accepted (a bound, so the column and the JSON stay plain integers).
MAX_QUOTA = 1_000_000_000


class AllowanceOut(BaseModel):
    """Used this month against the quota; `quota` and `remaining` are null when unlimited."""

    used: int
    quota: int | None
    remaining: int | None


class PeriodOut(BaseModel):
    """The calendar month (UTC) counted: from `start` up to, not including, `end`."""

    start: datetime
    end: datetime
    label: str


class UsageOut(BaseModel):
    """An institution's usage this month."""

    institution_id: int
    name: str
    period: PeriodOut
    executions: AllowanceOut
    remote_calls: AllowanceOut


class QuotaPatch(BaseModel):
    """New monthly quotas; a field left out stays as it is, null means unlimited."""

    monthly_execution_quota: int | None = Field(default=None, ge=0, le=MAX_QUOTA)
    monthly_remote_call_quota: int | None = Field(default=None, ge=0, le=MAX_QUOTA)


def _allowance(line: Allowance) -> AllowanceOut:
    remaining = None if line.quota is None else max(0, line.quota - line.used)
    return AllowanceOut(used=line.used, quota=line.quota, remaining=remaining)


def usage_out(usage: InstitutionUsage) -> UsageOut:
    """The API's shape of an institution's usage."""
    return UsageOut(
        institution_id=usage.institution_id,
        name=usage.name,
        period=PeriodOut(start=usage.month.start, end=usage.month.end, label=usage.month.label),
        executions=_allowance(usage.executions),
        remote_calls=_allowance(usage.remote_calls),
    )


def _may_read(user: User, institution_id: int) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.TEACHER and user.institution_id == institution_id


@router.get("/{institution_id}/usage")
def get_usage(state: State, user: CurrentUser, institution_id: IdPath) -> UsageOut:
    """Executions and remote Judge0 calls this month against the quotas (teachers of the
    institution, and admins)."""
    if not _may_read(user, institution_id):
        raise ApiError(403, "forbidden", "only the institution's teachers and admins see this")
    with state.sessions() as session:
        return usage_out(fetch_usage(session, institution_id))


@router.patch("/{institution_id}")
def update_quotas(
    request: Request, state: State, user: CurrentUser, institution_id: IdPath, body: QuotaPatch
) -> UsageOut:
    """Set the monthly quotas (admins); the change is audited."""
    if user.role != Role.ADMIN:
        raise ApiError(403, "forbidden", "this needs the admin role")
    given = body.model_fields_set
    with state.sessions.begin() as session:
        set_quotas(
            session,
            institution_id,
            executions=body.monthly_execution_quota
            if "monthly_execution_quota" in given
            else UNCHANGED,
            remote_calls=body.monthly_remote_call_quota
            if "monthly_remote_call_quota" in given
            else UNCHANGED,
            actor_id=user.id,
            ip=client_ip(request),
        )
        session.flush()
        return usage_out(fetch_usage(session, institution_id))

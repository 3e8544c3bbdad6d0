"""Institution quotas: executions and remote Judge0 calls per calendar month (UTC).

Usage is counted from the ground truth, the `executions` table, through each
submission's user's institution:

- an *execution* is a row that ran code, locally or remotely (kinds prepare, compile,
  run and validator), plus one per submission made through the Judge0-compatible API
  (those run in the local sandbox and keep no execution rows);
- a *remote call* is a billed request to a remote backend, counted as the efficiency
  figures count them: rows of a backend other than `local` of kind run (the create that
  ran the tests), poll, retry or discover.

A submission is refused while its institution's count is at or over a quota; the quota
frees on the first day of the next month.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Institution, User
from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.submissions import Execution, Submission
from batchjudge.domain.errors import InvalidInputError, NotFoundError, QuotaExceededError
from batchjudge.domain.reports import ExecutionKind
from batchjudge.services.audit import AuditAction, record

LOCAL_BACKEND = "local"
EXECUTING_KINDS = tuple(
    k.value
    for k in (
        ExecutionKind.PREPARE,
        ExecutionKind.COMPILE,
        ExecutionKind.RUN,
        ExecutionKind.VALIDATOR,
    )
)
BILLED_KINDS = tuple(
    k.value
    for k in (ExecutionKind.RUN, ExecutionKind.POLL, ExecutionKind.RETRY, ExecutionKind.DISCOVER)
)


@dataclass(frozen=True)
class Month:
    """A calendar month in UTC: [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def containing(cls, moment: datetime) -> "Month":
        start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return cls(start, start.replace(year=year, month=month))

    @property
    def label(self) -> str:
        """`November 2026`."""
        return self.start.strftime("%B %Y")

    @property
    def resets_on(self) -> str:
        """`1 December`."""
        return f"1 {self.end.strftime('%B')}"


@dataclass(frozen=True)
class Allowance:
    """Used so far this month, against a quota (None: unlimited)."""

    used: int
    quota: int | None

    @property
    def is_spent(self) -> bool:
        return self.quota is not None and self.used >= self.quota


@dataclass(frozen=True)
class InstitutionUsage:
    """An institution's usage in one month."""

    institution_id: int
    name: str
    month: Month
    executions: Allowance
    remote_calls: Allowance


def count_executions(session: Session, institution_id: int, month: Month) -> int:
    """Executions spent by the institution's users in `month`."""
    start, end = month.start, month.end
    ours = (
        select(func.count())
        .select_from(Execution)
        .join(Submission, Submission.id == Execution.submission_id)
        .join(User, User.id == Submission.user_id)
        .where(
            User.institution_id == institution_id,
            Execution.kind.in_(EXECUTING_KINDS),
            Execution.created_at >= start,
            Execution.created_at < end,
        )
    )
    judge0_api = (
        select(func.count())
        .select_from(Judge0Submission)
        .join(User, User.id == Judge0Submission.user_id)
        .where(
            User.institution_id == institution_id,
            Judge0Submission.created_at >= start,
            Judge0Submission.created_at < end,
        )
    )
    return int(session.scalar(ours) or 0) + int(session.scalar(judge0_api) or 0)


def count_remote_calls(session: Session, institution_id: int, month: Month) -> int:
    """Billed remote requests spent on the institution's submissions in `month`."""
    query = (
        select(func.count())
        .select_from(Execution)
        .join(Submission, Submission.id == Execution.submission_id)
        .join(User, User.id == Submission.user_id)
        .where(
            User.institution_id == institution_id,
            Execution.backend != LOCAL_BACKEND,
            Execution.kind.in_(BILLED_KINDS),
            Execution.created_at >= month.start,
            Execution.created_at < month.end,
        )
    )
    return int(session.scalar(query) or 0)


def fetch_usage(
    session: Session, institution_id: int, now: datetime | None = None
) -> InstitutionUsage:
    """The institution's usage this month; NotFoundError for an unknown one."""
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"there is no institution {institution_id}")
    month = Month.containing(now or datetime.now(UTC))
    return InstitutionUsage(
        institution.id,
        institution.name,
        month,
        Allowance(
            count_executions(session, institution.id, month),
            institution.monthly_execution_quota,
        ),
        Allowance(
            count_remote_calls(session, institution.id, month),
            institution.monthly_remote_call_quota,
        ),
    )


def check_quota(
    session: Session, institution_id: int | None, remote: bool, now: datetime | None = None
) -> None:
    """QuotaExceededError when the institution has spent a quota this month: executions,
    and remote calls when submissions are graded remotely (`remote`). Users without an
    institution, and institutions without quotas, are never refused (and cost no count).
    """
    if institution_id is None:
        return
    institution = session.get(Institution, institution_id)
    if institution is None:
        return
    moment = now or datetime.now(UTC)
    month = Month.containing(moment)
    wait_s = (month.end - moment).total_seconds()
    quota = institution.monthly_execution_quota
    if quota is not None and count_executions(session, institution_id, month) >= quota:
        raise QuotaExceededError(_spent(quota, "executions", month), wait_s)
    quota = institution.monthly_remote_call_quota
    if remote and quota is not None and count_remote_calls(session, institution_id, month) >= quota:
        raise QuotaExceededError(_spent(quota, "remote Judge0 calls", month), wait_s)


def _spent(quota: int, what: str, month: Month) -> str:
    return (
        f"your institution has used its {quota} {what} for {month.label}; "
        f"the quota resets on {month.resets_on}"
    )


#: Leave a quota as it is.
UNCHANGED = object()


def set_quotas(
    session: Session,
    institution_id: int,
    *,
    executions: int | object | None = UNCHANGED,
    remote_calls: int | object | None = UNCHANGED,
    actor_id: int | None,
    ip: str = "",
) -> Institution:
    """Change an institution's monthly quotas (None: unlimited), with an audit entry
    holding the old and new values."""
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"there is no institution {institution_id}")
    before = (institution.monthly_execution_quota, institution.monthly_remote_call_quota)
    if executions is not UNCHANGED:
        institution.monthly_execution_quota = _quota(executions)
    if remote_calls is not UNCHANGED:
        institution.monthly_remote_call_quota = _quota(remote_calls)
    after = (institution.monthly_execution_quota, institution.monthly_remote_call_quota)
    if after != before:
        record(
            session,
            AuditAction.QUOTA_CHANGED,
            actor_id=actor_id,
            target=f"institution:{institution.id}",
            details={
                "institution": institution.name,
                "executions_before": before[0],
                "executions": after[0],
                "remote_calls_before": before[1],
                "remote_calls": after[1],
            },
            ip=ip,
        )
    return institution


def _quota(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInputError(f"a quota is a whole number of 0 or more, or none: {value!r}")
    return value

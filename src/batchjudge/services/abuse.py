"""Abuse detection: signals that, repeated within a window, flag a user and block their
submissions for a while.

The signals:

- `sandbox_violations`: a graded submission that hogged memory (MLE, or a runtime error
  saying memory ran out), hit the process limit (a fork or thread bomb: "Resource
  temporarily unavailable") or was refused a system call by the sandbox ("Operation not
  permitted", SIGSYS). One per submission, however many of its tests show it, so a
  single MLE solution with 40 tests counts once.
- `submission_flood`: a submission refused by the per-user rate limit.
- `oversized_upload`: a source or package over its size bound.

Signals are counted in the rate limiter's store (shared by every process when Redis is
configured). The `abuse_violation_limit`-th violation or oversized upload, or the
`abuse_flood_limit`-th refusal, within `abuse_window_s` raises a flag that blocks the
user's submissions for `abuse_block_s`, unless an admin clears it sooner. Raising and
clearing a flag are audited.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from batchjudge.db.abuse import AbuseFlag
from batchjudge.db.accounts import User
from batchjudge.domain.errors import BlockedError, ConflictError, NotFoundError
from batchjudge.domain.reports import GradeReport
from batchjudge.domain.verdicts import Verdict
from batchjudge.services.audit import AuditAction, record
from batchjudge.services.rate_limits import RateLimits
from batchjudge.settings import Settings

_log = logging.getLogger(__name__)


class Signal(StrEnum):
    """What can flag a user."""

    SANDBOX_VIOLATIONS = "sandbox_violations"
    SUBMISSION_FLOOD = "submission_flood"
    OVERSIZED_UPLOAD = "oversized_upload"


#: Words in a runtime error's message that tell what the program ran into.
_MEMORY_WORDS = ("MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory")
_PROCESS_WORDS = ("Resource temporarily unavailable", "BlockingIOError", "can't start new thread")
_SYSCALL_WORDS = ("Operation not permitted", "PermissionError", "SIGSYS", "Bad system call")


@dataclass(frozen=True)
class AbusePolicy:
    """The thresholds, and where signals are counted."""

    counters: RateLimits
    violation_limit: int
    flood_limit: int
    window_s: float
    block_s: float

    @classmethod
    def from_settings(cls, settings: Settings, counters: RateLimits) -> "AbusePolicy":
        return cls(
            counters,
            settings.abuse_violation_limit,
            settings.abuse_flood_limit,
            settings.abuse_window_s,
            settings.abuse_block_s,
        )

    def threshold(self, signal: Signal) -> int:
        return self.flood_limit if signal is Signal.SUBMISSION_FLOOD else self.violation_limit


def sandbox_violation(report: GradeReport) -> str | None:
    """What the submission ran into (`memory hog`, `fork bomb`, `refused system call`),
    or None when nothing its tests show is a violation."""
    for test in report.tests:
        if test.verdict is Verdict.MLE:
            return "memory hog"
        if test.verdict is not Verdict.RE:
            continue
        if any(word in test.message for word in _MEMORY_WORDS):
            return "memory hog"
        if any(word in test.message for word in _PROCESS_WORDS):
            return "fork bomb"
        if any(word in test.message for word in _SYSCALL_WORDS):
            return "refused system call"
    return None


def note_signal(
    session: Session,
    policy: AbusePolicy,
    user_id: int,
    signal: Signal,
    detail: str,
    ip: str = "",
) -> AbuseFlag | None:
    """Count one signal; at the threshold, flag the user (blocked for `block_s`) with an
    audit entry, in the caller's transaction. Returns the new flag, if any. A user under
    an active flag gets no second one."""
    threshold = policy.threshold(signal)
    if not policy.counters.reached(signal.value, str(user_id), threshold, policy.window_s):
        return None
    now = datetime.now(UTC)
    if active_flag(session, user_id, now) is not None:
        return None
    flag = AbuseFlag(
        user_id=user_id,
        signal=signal.value,
        detail=detail[:1000],
        created_at=now,
        blocked_until=now + timedelta(seconds=policy.block_s),
    )
    session.add(flag)
    session.flush()
    record(
        session,
        AuditAction.ABUSE_FLAGGED,
        actor_id=None,
        target=f"user:{user_id}",
        details={
            "flag": flag.id,
            "signal": signal.value,
            "count": threshold,
            "window_s": policy.window_s,
            "blocked_until": flag.blocked_until.isoformat(),
            "detail": detail[:200],
        },
        ip=ip,
    )
    _log.warning("user %d flagged for %s: %s", user_id, signal.value, detail)
    return flag


def note_violation(
    session: Session, policy: AbusePolicy, user_id: int, submission_id: int, report: GradeReport
) -> AbuseFlag | None:
    """Count the graded submission as a sandbox violation when it was one."""
    violation = sandbox_violation(report)
    if violation is None:
        return None
    detail = f"submission {submission_id}: {violation}"
    return note_signal(session, policy, user_id, Signal.SANDBOX_VIOLATIONS, detail)


def active_flag(session: Session, user_id: int, now: datetime | None = None) -> AbuseFlag | None:
    """The user's flag that blocks them now (the one lasting longest), or None."""
    moment = now or datetime.now(UTC)
    query = (
        select(AbuseFlag)
        .where(
            AbuseFlag.user_id == user_id,
            AbuseFlag.cleared_at.is_(None),
            AbuseFlag.blocked_until > moment,
        )
        .order_by(AbuseFlag.blocked_until.desc())
        .limit(1)
    )
    return session.scalars(query).first()


_SIGNAL_WORDS = {
    Signal.SANDBOX_VIOLATIONS.value: "repeated sandbox violations",
    Signal.SUBMISSION_FLOOD.value: "too many submissions too fast",
    Signal.OVERSIZED_UPLOAD.value: "repeated oversized uploads",
}


def check_not_blocked(session: Session, user_id: int, now: datetime | None = None) -> None:
    """BlockedError, saying when it lifts and why, while the user has an active flag."""
    moment = now or datetime.now(UTC)
    flag = active_flag(session, user_id, moment)
    if flag is None:
        return
    reason = _SIGNAL_WORDS.get(flag.signal, flag.signal)
    until = flag.blocked_until.strftime("%Y-%m-%d %H:%M UTC")
    raise BlockedError(
        f"your submissions are blocked until {until} after {reason}; "
        "an admin can lift the block sooner",
        (flag.blocked_until - moment).total_seconds(),
    )


@dataclass(frozen=True)
class FlagView:
    """A flag as admins see it."""

    id: int
    user_id: int
    user_name: str
    signal: str
    detail: str
    created_at: datetime
    blocked_until: datetime
    cleared_at: datetime | None
    cleared_by_id: int | None
    is_active: bool


def list_flags(
    session: Session, recent_days: float = 30.0, now: datetime | None = None
) -> list[FlagView]:
    """Active flags and those raised in the last `recent_days`, newest first."""
    moment = now or datetime.now(UTC)
    since = moment - timedelta(days=recent_days)
    active = AbuseFlag.cleared_at.is_(None) & (AbuseFlag.blocked_until > moment)
    query = (
        select(AbuseFlag, User.name)
        .join(User, User.id == AbuseFlag.user_id)
        .where(or_(active, AbuseFlag.created_at >= since))
        .order_by(AbuseFlag.id.desc())
        .limit(500)
    )
    return [_view(flag, name, moment) for flag, name in session.execute(query)]


def fetch_flag(session: Session, flag_id: int) -> FlagView:
    """One flag; NotFoundError for an unknown id."""
    found = session.execute(
        select(AbuseFlag, User.name)
        .join(User, User.id == AbuseFlag.user_id)
        .where(AbuseFlag.id == flag_id)
    ).first()
    if found is None:
        raise NotFoundError(f"there is no abuse flag {flag_id}")
    return _view(found[0], found[1], datetime.now(UTC))


def _view(flag: AbuseFlag, user_name: str, now: datetime) -> FlagView:
    return FlagView(
        flag.id,
        flag.user_id,
        user_name,
        flag.signal,
        flag.detail,
        flag.created_at,
        flag.blocked_until,
        flag.cleared_at,
        flag.cleared_by_id,
        flag.cleared_at is None and flag.blocked_until > now,
    )


def clear_flag(session: Session, flag_id: int, actor_id: int, ip: str = "") -> AbuseFlag:
    """Lift a flag now, with an audit entry; ConflictError when it was cleared already."""
    flag = session.get(AbuseFlag, flag_id)
    if flag is None:
        raise NotFoundError(f"there is no abuse flag {flag_id}")
    if flag.cleared_at is not None:
        raise ConflictError(f"abuse flag {flag_id} is cleared already")
    flag.cleared_at = datetime.now(UTC)
    flag.cleared_by_id = actor_id
    record(
        session,
        AuditAction.ABUSE_CLEARED,
        actor_id=actor_id,
        target=f"user:{flag.user_id}",
        details={"flag": flag.id, "signal": flag.signal},
        ip=ip,
    )
    return flag

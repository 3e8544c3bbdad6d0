"""The health checks, one function each: database, migrations, queue, sandbox, key-pool
quota, disk. (The Judge0 reachability probe is `monitoring.remote_probe`.)

Thresholds (the overall status is the worst check's):
- database: down when it does not answer;
- migrations: down unless the database is at this code's head revision;
- queue: degraded when `max_queue_length` jobs wait (new submissions get 503);
- queue_oldest: degraded when the oldest waiting job is older than 10 minutes;
- sandbox: degraded when isolation is reduced in production;
- backend_local: down when the sandbox would refuse to run (reduced and not allowed);
- backend_judge0: down when the server does not answer or answers 5xx;
- judge0_quota: degraded under 10 % of today's calls left, down at none;
- disk: degraded under 10 % free in the data dir, down under 1 %;
- workers (`monitoring.worker_check`): degraded when no grading process is alive, or a
  language has none.
"""

import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from batchjudge.db.judge0 import Judge0ApiKey, Judge0Submission
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.execution.local.strength import SandboxStrength
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.monitoring.database_collector import PendingJobs
from batchjudge.monitoring.health_report import CheckResult, HealthStatus
from batchjudge.services.judge0_keys import key_usage
from batchjudge.settings import Environment, Settings

QUEUE_AGE_DEGRADED_S = 600.0
QUOTA_DEGRADED_FRACTION = 0.10
DISK_DEGRADED_FRACTION = 0.10
DISK_DOWN_FRACTION = 0.01

OK, DEGRADED, DOWN = HealthStatus.OK, HealthStatus.DEGRADED, HealthStatus.DOWN


def worst(statuses: list[HealthStatus]) -> HealthStatus:
    """The worst of `statuses` (ok when there are none)."""
    order = list(HealthStatus)
    return max(statuses, key=order.index, default=OK)


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, short enough for a check's detail."""
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def database_checks(
    engine: Engine, head: str, max_queue_length: int, queue: PendingJobs | None
) -> dict[str, CheckResult]:
    """`database`, `migrations`, `queue` and `queue_oldest`, over one connection."""
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
            elapsed = time.perf_counter() - started
            checks = {
                "database": CheckResult(OK, f"answered in {elapsed * 1000:.1f} ms", elapsed),
                "migrations": _migrations_check(connection, head),
            }
            checks.update(_queue_checks(connection, max_queue_length, queue))
            return checks
    except SQLAlchemyError as exc:
        skipped = CheckResult(DOWN, "not checked: the database does not answer")
        return {
            "database": CheckResult(DOWN, f"does not answer: {first_line(exc)}"),
            "migrations": skipped,
            "queue": skipped,
            "queue_oldest": skipped,
        }


def _migrations_check(connection: Connection, head: str) -> CheckResult:
    revisions: set[str] = set()
    try:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        revisions = {str(row[0]) for row in rows}
    except SQLAlchemyError:
        connection.rollback()
    if revisions == {head}:
        return CheckResult(OK, f"at {head}")
    shown = ", ".join(sorted(revisions)) or "no revision"
    return CheckResult(
        DOWN, f"the database is at {shown}, this code needs {head}: run `batchjudge db upgrade`"
    )


def _queue_checks(
    connection: Connection, max_queue_length: int, queue: PendingJobs | None
) -> dict[str, CheckResult]:
    # Both counts use the status indexes; few rows are ever waiting.
    try:
        ours, our_oldest = connection.execute(
            select(func.count(), func.min(Submission.created_at)).where(
                Submission.status == SubmissionStatus.QUEUED
            )
        ).one()
        theirs, their_oldest = connection.execute(
            select(func.count(), func.min(Judge0Submission.created_at)).where(
                Judge0Submission.status_id == Judge0Status.IN_QUEUE
            )
        ).one()
    except SQLAlchemyError as exc:
        connection.rollback()
        unread = CheckResult(DOWN, f"cannot read the queue: {first_line(exc)}")
        return {"queue": unread, "queue_oldest": unread}
    depth = int(ours) + int(theirs)
    detail = f"{depth} waiting ({ours} submissions, {theirs} Judge0 API submissions)"
    detail += _pending_note(queue)
    if depth >= max_queue_length:
        waiting = CheckResult(DEGRADED, f"full: {detail}; new ones are refused", depth)
    else:
        waiting = CheckResult(OK, detail, depth)
    moments = [moment for moment in (our_oldest, their_oldest) if moment is not None]
    if not moments:
        return {"queue": waiting, "queue_oldest": CheckResult(OK, "nothing waits", 0.0)}
    age = max((datetime.now(UTC) - min(moments)).total_seconds(), 0.0)
    status = DEGRADED if age > QUEUE_AGE_DEGRADED_S else OK
    return {"queue": waiting, "queue_oldest": CheckResult(status, f"waits {age:.0f} s", age)}


def _pending_note(queue: PendingJobs | None) -> str:
    if queue is None:
        return ""
    try:
        return f"; {queue.pending()} jobs pending in the job queue"
    except (OSError, sqlite3.Error) as exc:
        return f"; the job queue cannot be read: {exc}"


def sandbox_checks(strength: SandboxStrength, settings: Settings) -> dict[str, CheckResult]:
    """`sandbox` (its isolation) and `backend_local` (whether it will run at all)."""
    if strength.full:
        return {
            "sandbox": CheckResult(OK, "full isolation", 0),
            "backend_local": CheckResult(OK, "the sandbox runs programs"),
        }
    gaps = "; ".join(strength.gaps)
    production = settings.environment is Environment.PRODUCTION
    sandbox = CheckResult(
        DEGRADED if production else OK, f"reduced isolation: {gaps}", len(strength.gaps)
    )
    if settings.reduced_sandbox_allowed:
        local = CheckResult(OK, "the sandbox runs programs (reduced isolation)")
    else:
        local = CheckResult(DOWN, "the sandbox refuses to run with reduced isolation (not allowed)")
    return {"sandbox": sandbox, "backend_local": local}


def quota_check(engine: Engine) -> CheckResult:
    """`judge0_quota`: the share of today's calls the active keys have left."""
    now = datetime.now(UTC)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(Judge0ApiKey).where(Judge0ApiKey.retired_at.is_(None))
            ).all()
            usages = [key_usage(row, now) for row in rows]
    except SQLAlchemyError as exc:
        return CheckResult(DOWN, f"cannot read the key pool: {first_line(exc)}")
    if not usages:
        return CheckResult(DOWN, "no active Judge0 key (`batchjudge keys add`)", 0.0)
    left = sum(usage.remaining(now) for usage in usages)
    total = sum(max(usage.daily_quota, 0) for usage in usages)
    fraction = left / total if total else 0.0
    detail = f"{left} of {total} calls left today ({fraction:.0%}, {len(usages)} keys)"
    if left <= 0:
        return CheckResult(DOWN, detail, fraction)
    return CheckResult(DEGRADED if fraction < QUOTA_DEGRADED_FRACTION else OK, detail, fraction)


def disk_check(data_dir: Path) -> CheckResult:
    """`disk`: the share of the data dir's file system that is free."""
    try:
        usage = shutil.disk_usage(data_dir)
    except OSError as exc:
        return CheckResult(DOWN, f"cannot read the data dir's disk: {exc}")
    fraction = usage.free / usage.total if usage.total else 0.0
    detail = f"{usage.free / 2**30:.1f} GiB free of {usage.total / 2**30:.1f} GiB"
    if fraction < DISK_DOWN_FRACTION:
        return CheckResult(DOWN, detail, fraction)
    return CheckResult(DEGRADED if fraction < DISK_DEGRADED_FRACTION else OK, detail, fraction)

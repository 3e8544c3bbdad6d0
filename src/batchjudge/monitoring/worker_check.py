"""The `workers` health check: the grading processes alive now, with their languages and
slots. Degraded when submissions wait and no process is alive to grade them, or when
a language has no live process; with nothing waiting, no process is not a fault (an
API-only replica started before its workers, say)."""

from collections.abc import Sequence

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.db.workers import WorkerRow
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.monitoring.health_checks import DEGRADED, DOWN, OK, first_line
from batchjudge.monitoring.health_report import CheckResult
from batchjudge.services.worker_registry import languages_of, live_workers


def _waiting(session: Session) -> int:
    ours = session.scalar(select(func.count()).where(Submission.status == SubmissionStatus.QUEUED))
    theirs = session.scalar(
        select(func.count()).where(Judge0Submission.status_id == Judge0Status.IN_QUEUE)
    )
    return int(ours or 0) + int(theirs or 0)


def _described(row: WorkerRow) -> str:
    languages = ", ".join(languages_of(row))
    return f"{row.name} ({row.role}; {row.busy}/{row.slots} slots busy; {languages})"


def workers_check(engine: Engine, timeout_s: float, languages: Sequence[str]) -> CheckResult:
    """Every live grading process, and whether `languages` all have one."""
    try:
        with Session(engine) as session:
            rows = live_workers(session, timeout_s)
            shown = [_described(row) for row in rows]
            served = {language for row in rows for language in languages_of(row)}
            waiting = 0 if rows else _waiting(session)
    except SQLAlchemyError as exc:
        return CheckResult(DOWN, f"cannot read the workers: {first_line(exc)}")
    if not rows:
        if waiting:
            return CheckResult(
                DEGRADED, f"no grading process is alive, and {waiting} submissions wait", 0
            )
        return CheckResult(OK, "no grading process is alive; nothing waits", 0)
    detail = f"{len(rows)} alive: " + "; ".join(shown)
    missing = [language for language in languages if language not in served]
    if missing:
        return CheckResult(
            DEGRADED, f"no live worker grades {', '.join(missing)}; {detail}", len(rows)
        )
    return CheckResult(OK, detail, len(rows))

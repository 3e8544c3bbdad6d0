"""Grading one stored submission, safely repeatable: the queue may deliver a job twice,
or again after a crash, and the submission still ends with exactly one set of results.

A delivery only grades a QUEUED submission, which it moves to RUNNING under a new
attempt number, naming the process that holds it; any other status means another
worker has it or it is finished. When that process dies, another puts the submission
back to QUEUED (services.orphaned_jobs). Every write checks that the submission is
still RUNNING at the attempt it claimed, so a process wrongly thought dead (a long
pause, a network split) cannot write over the next attempt.
When the database goes away mid-job, the job is queued again (`GradingContext.requeue`)
and the new job takes the interrupted attempt back: only that job, as it names the
attempt it resumes, so it can never take a submission another worker holds.
Results are written as each test finishes, for live progress; a new attempt first clears
what an interrupted one left.

When a remote backend (Judge0) cannot take work, the job applies the configured
fallback: it grades on the local sandbox, or it puts the submission back in the queue
for later. Either way an execution row of kind `fallback` records the choice.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.problems import ProblemTest, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.domain.errors import BatchjudgeError, NotFoundError, RemoteUnavailableError
from batchjudge.domain.reports import CaseResult, CompileReport, ExecutionKind, GradeReport
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.backend import ExecutionBackend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission as SourceSubmission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.monitoring.log_context import submission_bound
from batchjudge.problems.archive import ArchiveLimits
from batchjudge.services.abuse import AbusePolicy, note_violation
from batchjudge.services.problem_integrity import BrokenProblemError, checked_problem, mark_broken
from batchjudge.services.submissions import submission_source
from batchjudge.settings import Judge0Fallback, Settings
from batchjudge.storage.blobs import BlobStore

_log = logging.getLogger(__name__)

#: Seconds a job waits for the database to come back before it tries again.
DATABASE_RETRY_S = 2.0
#: What SQLAlchemy raises when the database is down, restarting or locked for too long.
_DATABASE_DOWN = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class RemoteFallback:
    """What a job does when its remote backend is down or out of quota.

    Attributes:
        local: grade on this backend instead; None means wait.
        retry_later: queue the submission again after that many seconds (`wait`).
        retry_after_s: the wait when the remote gave no time of its own.
    """

    local: ExecutionBackend | None
    retry_later: Callable[[int, float], None]
    retry_after_s: float


def remote_fallback(
    settings: Settings, local: ExecutionBackend, retry_later: Callable[[int, float], None]
) -> RemoteFallback:
    """The fallback `settings.judge0_fallback` asks for: grade on `local`, or wait
    (`judge0_retry_after_s` when Judge0 gave no time of its own)."""
    chosen = local if settings.judge0_fallback is Judge0Fallback.LOCAL else None
    return RemoteFallback(chosen, retry_later, settings.judge0_retry_after_s)


@dataclass(frozen=True)
class GradingContext:
    """Everything a grading job needs, built once by the service that runs the jobs.

    `checker_backend` runs custom output validators (default: `backend`); `fallback`
    applies when `backend` is remote and unavailable.
    """

    sessions: sessionmaker[Session]
    backend: ExecutionBackend
    registry: LanguageRegistry
    store: BlobStore
    problem_cache: Path
    archive_limits: ArchiveLimits
    options: GradeOptions
    checker_backend: ExecutionBackend | None = None
    fallback: RemoteFallback | None = None
    # Told of every unexpected exception (a bug), with what was being graded.
    on_crash: Callable[[BaseException, str], None] | None = None
    # Counts a graded submission that violated the sandbox towards an abuse flag.
    abuse: AbusePolicy | None = None
    # Queues grading of a submission again after that many seconds, resuming the given
    # attempt (None: a fresh claim); used when the database is unavailable. Without it
    # the database error is raised.
    requeue: Callable[[int, float, int | None], None] | None = None
    # The grading process (workers.id) claims are recorded under.
    worker_id: str | None = None


@dataclass(frozen=True)
class _Claim:
    attempt: int
    version: ProblemVersion
    tests: list[ProblemTest]
    problem_broken: bool
    language: str
    source: str
    style: Style
    mode: Mode


def _claim(context: GradingContext, submission_id: int, resume: int | None = None) -> _Claim | None:
    """Move a queued submission to RUNNING; None when it is not queued. `resume` takes
    back a RUNNING submission whose attempt number is still `resume` (its job was cut
    short by a database outage)."""
    with context.sessions.begin() as session:
        row = session.get(Submission, submission_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"there is no submission {submission_id}")
        resumed = row.status == SubmissionStatus.RUNNING and row.attempts == resume
        if row.status != SubmissionStatus.QUEUED and not resumed:
            return None
        row.status = SubmissionStatus.RUNNING
        row.worker_id = context.worker_id
        row.attempts += 1
        row.started_at = datetime.now(UTC)
        row.compile_ok = None
        row.compile_output = ""
        row.compile_time_s = None
        _clear_progress(session, submission_id)
        version = session.get_one(ProblemVersion, row.problem_version_id)
        tests = list(version.tests)
        broken = version.problem.broken_reason is not None
        source = submission_source(session, row)
        return _Claim(
            row.attempts,
            version,
            tests,
            broken,
            row.language,
            source,
            Style(row.style),
            Mode(row.mode),
        )


def _clear_progress(session: Session, submission_id: int) -> None:
    """Forget what an unfinished attempt stored; fallback records are history and stay."""
    session.execute(delete(TestResult).where(TestResult.submission_id == submission_id))
    session.execute(
        delete(Execution).where(
            Execution.submission_id == submission_id,
            Execution.kind != ExecutionKind.FALLBACK.value,
        )
    )


def _result_row(submission_id: int, position: int, test: CaseResult) -> TestResult:
    return TestResult(
        submission_id=submission_id,
        position=position,
        name=test.name,
        verdict=test.verdict.value,
        time_s=test.time_s,
        memory_kb=test.memory_kb,
        message=test.message,
        output_preview=test.output_preview,
    )


def _held(session: Session, submission_id: int, attempt: int) -> Submission | None:
    """The submission, locked, while it is still RUNNING at `attempt`; None when another
    attempt has it (ours was handed back) or it ended."""
    row = session.get(Submission, submission_id, with_for_update=True)
    if row is None or row.status != SubmissionStatus.RUNNING or row.attempts != attempt:
        return None
    return row


class _StoreProgress:
    """Writes the compile outcome and each test's result as the engine reports them,
    while the attempt still holds the submission."""

    def __init__(self, sessions: sessionmaker[Session], submission_id: int, attempt: int) -> None:
        self._sessions = sessions
        self._id = submission_id
        self._attempt = attempt

    def _write_compile(self, report: CompileReport) -> None:
        with self._sessions.begin() as session:
            row = _held(session, self._id, self._attempt)
            if row is not None:
                row.compile_ok = report.ok
                row.compile_output = report.output
                row.compile_time_s = report.time_s

    def _write_test(self, position: int, result: CaseResult) -> None:
        with self._sessions.begin() as session:
            if _held(session, self._id, self._attempt) is not None:
                session.add(_result_row(self._id, position, result))

    async def compiled(self, report: CompileReport) -> None:
        await asyncio.to_thread(self._write_compile, report)

    async def test_finished(self, position: int, result: CaseResult) -> None:
        await asyncio.to_thread(self._write_test, position, result)


def _store_report(
    context: GradingContext,
    submission_id: int,
    attempt: int,
    report: GradeReport,
    backend_name: str,
) -> None:
    with context.sessions.begin() as session:
        row = _held(session, submission_id, attempt)
        if row is None:
            return  # not ours any more (handed to another process meanwhile)
        stored = set(
            session.scalars(
                select(TestResult.position).where(TestResult.submission_id == submission_id)
            )
        )
        for position, test in enumerate(report.tests):
            if position not in stored:
                session.add(_result_row(submission_id, position, test))
        for execution in report.executions:
            session.add(
                Execution(
                    submission_id=submission_id,
                    kind=execution.kind.value,
                    backend=backend_name,
                    tests_covered=len(execution.tests),
                    duration_s=execution.duration_s,
                    outcome=execution.outcome,
                )
            )
        row.verdict = report.verdict.value
        row.style = report.style.value
        row.mode = report.mode.value
        row.message = report.message
        row.compile_ok = report.compile.ok
        row.compile_output = report.compile.output
        row.compile_time_s = report.compile.time_s
        row.status = SubmissionStatus.DONE
        row.finished_at = datetime.now(UTC)
        if context.abuse is not None:
            note_violation(session, context.abuse, row.user_id, submission_id, report)


def _mark_failed(context: GradingContext, submission_id: int, attempt: int, message: str) -> None:
    with context.sessions.begin() as session:
        row = _held(session, submission_id, attempt)
        if row is not None:
            row.status = SubmissionStatus.FAILED
            row.verdict = "IE"
            row.message = message
            row.finished_at = datetime.now(UTC)


async def grade_submission(
    context: GradingContext, submission_id: int, resume: int | None = None
) -> SubmissionStatus | None:
    """Grade a queued submission and store its results; returns its final status, or None
    when it was not queued (finished, or another worker has it). `resume` is the attempt
    a database outage interrupted, when this job was queued to take it back.

    A problem that cannot be loaded, or a bug, ends the submission as FAILED (verdict IE)
    with the reason, rather than leaving it running for ever. A database outage queues
    the job again (`context.requeue`) and returns QUEUED. Log lines written meanwhile
    carry the submission id.
    """
    with submission_bound(submission_id):
        claim = None
        try:
            claim = await asyncio.to_thread(_claim, context, submission_id, resume)
            if claim is None:
                return None
            return await _grade_claimed(context, submission_id, claim)
        except _DATABASE_DOWN as exc:
            if context.requeue is None:
                raise
            # A claim that failed leaves what this job was to resume still to resume.
            attempt = resume if claim is None else claim.attempt
            _log.warning(
                "the database is unavailable (%s); submission %d is tried again in %g s",
                str(exc.orig or exc).splitlines()[0][:200],
                submission_id,
                DATABASE_RETRY_S,
            )
            context.requeue(submission_id, DATABASE_RETRY_S, attempt)
            return SubmissionStatus.QUEUED


async def _grade_claimed(
    context: GradingContext, submission_id: int, claim: _Claim
) -> SubmissionStatus:
    backend = context.backend
    try:
        try:
            report = await _grade(context, submission_id, claim, backend)
        except RemoteUnavailableError as exc:
            if context.fallback is None:
                raise
            if context.fallback.local is None:
                delay = exc.retry_after_s or context.fallback.retry_after_s
                _log.warning("%s; submission %d waits %.0f s for it", exc, submission_id, delay)
                await asyncio.to_thread(
                    _note_fallback, context, submission_id, claim.attempt, "wait"
                )
                context.fallback.retry_later(submission_id, delay)
                return SubmissionStatus.QUEUED
            _log.warning("%s; submission %d is graded on the local sandbox", exc, submission_id)
            backend = context.fallback.local
            await asyncio.to_thread(_note_fallback, context, submission_id, claim.attempt, "local")
            report = await _grade(context, submission_id, claim, backend)
    except BrokenProblemError as exc:
        _log.error("problem %d is broken: %s", claim.version.problem_id, exc)
        await asyncio.to_thread(_note_broken, context, claim.version, str(exc))
        message = f"the problem's files are damaged on the server: {exc}"
        await asyncio.to_thread(_mark_failed, context, submission_id, claim.attempt, message)
        return SubmissionStatus.FAILED
    except BatchjudgeError as exc:
        await asyncio.to_thread(_mark_failed, context, submission_id, claim.attempt, str(exc))
        return SubmissionStatus.FAILED
    except _DATABASE_DOWN:
        raise  # not a bug: the job is queued again (grade_submission)
    except Exception as exc:
        _log.exception("grading submission %d failed", submission_id)
        if context.on_crash is not None:
            await asyncio.to_thread(context.on_crash, exc, f"submission {submission_id}")
        await asyncio.to_thread(
            _mark_failed,
            context,
            submission_id,
            claim.attempt,
            f"internal error: {type(exc).__name__}",
        )
        return SubmissionStatus.FAILED
    await asyncio.to_thread(
        _store_report, context, submission_id, claim.attempt, report, backend.name
    )
    return SubmissionStatus.DONE


async def _grade(
    context: GradingContext, submission_id: int, claim: _Claim, backend: ExecutionBackend
) -> GradeReport:
    problem = await asyncio.to_thread(
        checked_problem,
        claim.version,
        claim.tests,
        context.store,
        context.problem_cache,
        context.archive_limits,
    )
    if claim.problem_broken:  # its files were restored since
        await asyncio.to_thread(_note_broken, context, claim.version, None)
    source = SourceSubmission(context.registry.get(claim.language), claim.source, claim.style)
    options = replace(context.options, mode=claim.mode)
    progress = _StoreProgress(context.sessions, submission_id, claim.attempt)
    checker_backend = context.checker_backend if backend is context.backend else backend
    return await grade(
        problem, source, backend, context.registry, options, progress, checker_backend
    )


def _note_broken(context: GradingContext, version: ProblemVersion, reason: str | None) -> None:
    with context.sessions.begin() as session:
        mark_broken(session, version, reason)


def _fallback_row(submission_id: int, choice: str) -> Execution:
    return Execution(
        submission_id=submission_id,
        kind=ExecutionKind.FALLBACK.value,
        backend="judge0",
        tests_covered=0,
        duration_s=0.0,
        outcome=choice,
    )


def _note_fallback(context: GradingContext, submission_id: int, attempt: int, choice: str) -> None:
    """Record the fallback and forget the remote attempt's partial results; `wait` also
    puts the submission back in the queue."""
    with context.sessions.begin() as session:
        row = _held(session, submission_id, attempt)
        if row is None:
            return
        row.compile_ok = None
        row.compile_output = ""
        row.compile_time_s = None
        _clear_progress(session, submission_id)
        session.add(_fallback_row(submission_id, choice))
        if choice == "wait":
            row.status = SubmissionStatus.QUEUED
            row.worker_id = None
            row.started_at = None

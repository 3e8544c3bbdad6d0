"""Grading one stored submission, safely repeatable: the queue may deliver a job twice,
or again after a crash, and the submission still ends with exactly one set of results."""

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.domain.errors import BatchjudgeError, NotFoundError
from batchjudge.domain.reports import GradeReport
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.backend import ExecutionBackend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission as SourceSubmission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import ArchiveLimits
from batchjudge.services.problem_files import problem_for_version
from batchjudge.storage.blobs import BlobStore

_log = logging.getLogger(__name__)
_FINISHED = (SubmissionStatus.DONE, SubmissionStatus.FAILED)


@dataclass(frozen=True)
class GradingContext:
    """Everything a grading job needs, built once by the service that runs the jobs."""

    sessions: sessionmaker[Session]
    backend: ExecutionBackend
    registry: LanguageRegistry
    store: BlobStore
    problem_cache: Path
    archive_limits: ArchiveLimits
    options: GradeOptions


@dataclass(frozen=True)
class _Claim:
    version: ProblemVersion
    language: str
    source: str
    style: Style
    mode: Mode


def _claim(context: GradingContext, submission_id: int) -> _Claim | None:
    """Mark the submission running; None when it is finished already."""
    with context.sessions.begin() as session:
        row = session.get(Submission, submission_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"there is no submission {submission_id}")
        if row.status in _FINISHED:
            return None
        row.status = SubmissionStatus.RUNNING
        row.attempts += 1
        row.started_at = datetime.now(UTC)
        version = session.get_one(ProblemVersion, row.problem_version_id)
        return _Claim(version, row.language, row.source, Style(row.style), Mode(row.mode))


def _store_report(context: GradingContext, submission_id: int, report: GradeReport) -> None:
    with context.sessions.begin() as session:
        row = session.get_one(Submission, submission_id, with_for_update=True)
        if row.status in _FINISHED:
            return  # another delivery of the same job finished first
        # Results are written in one transaction with the status, so there are none yet;
        # clearing is the belt to the unique constraint's braces.
        session.execute(delete(TestResult).where(TestResult.submission_id == submission_id))
        session.execute(delete(Execution).where(Execution.submission_id == submission_id))
        for position, test in enumerate(report.tests):
            session.add(
                TestResult(
                    submission_id=submission_id,
                    position=position,
                    name=test.name,
                    verdict=test.verdict.value,
                    time_s=test.time_s,
                    memory_kb=test.memory_kb,
                    message=test.message,
                    output_preview=test.output_preview,
                )
            )
        for execution in report.executions:
            session.add(
                Execution(
                    submission_id=submission_id,
                    kind=execution.kind.value,
                    backend=context.backend.name,
                    tests_covered=len(execution.tests),
                    duration_s=execution.duration_s,
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


def _mark_failed(context: GradingContext, submission_id: int, message: str) -> None:
    with context.sessions.begin() as session:
        row = session.get_one(Submission, submission_id, with_for_update=True)
        if row.status not in _FINISHED:
            row.status = SubmissionStatus.FAILED
            row.verdict = "IE"
            row.message = message
            row.finished_at = datetime.now(UTC)


async def grade_submission(context: GradingContext, submission_id: int) -> SubmissionStatus:
    """Grade a stored submission and store its results; a finished one is left alone.

    A problem that cannot be loaded, or a bug, ends the submission as FAILED (verdict IE)
    with the reason, rather than leaving it running for ever.
    """
    claim = await asyncio.to_thread(_claim, context, submission_id)
    if claim is None:
        return SubmissionStatus.DONE
    try:
        problem = await asyncio.to_thread(
            problem_for_version,
            claim.version,
            context.store,
            context.problem_cache,
            context.archive_limits,
        )
        source = SourceSubmission(context.registry.get(claim.language), claim.source, claim.style)
        options = replace(context.options, mode=claim.mode)
        report = await grade(problem, source, context.backend, context.registry, options)
    except BatchjudgeError as exc:
        await asyncio.to_thread(_mark_failed, context, submission_id, str(exc))
        return SubmissionStatus.FAILED
    except Exception as exc:
        _log.exception("grading submission %d failed", submission_id)
        await asyncio.to_thread(
            _mark_failed, context, submission_id, f"internal error: {type(exc).__name__}"
        )
        return SubmissionStatus.FAILED
    await asyncio.to_thread(_store_report, context, submission_id, report)
    return SubmissionStatus.DONE

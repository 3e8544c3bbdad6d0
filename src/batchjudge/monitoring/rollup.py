"""Keeping the rollup (`submission_figures`) up to date with the submissions.

`refresh_rollup` adds a row for every submission that finished since the newest row
(less a margin for transactions that committed late), and replaces the row of one that
finished again. It writes only when something is missing, so calling it before each
figure costs one indexed read when the rollup is current. Any process may call it at
any time: the writes are idempotent upserts.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Insert, exists, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from batchjudge.db.figures import SubmissionFigures
from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.domain.reports import ExecutionKind
from batchjudge.domain.verdicts import Verdict
from batchjudge.monitoring.sql_expressions import seconds_between

#: How far before the newest rollup row a refresh looks again. A grading sets
#: `finished_at` and commits in one short transaction, so this is generous.
MARGIN = timedelta(minutes=10)
#: A refresh that adds more rows than this also refreshes the table's statistics.
ANALYZE_AFTER = 5000
FINISHED = (SubmissionStatus.DONE.value, SubmissionStatus.FAILED.value)
LOCAL_BACKEND = "local"
#: The backend of a submission without run executions (a local compile error).
NO_BACKEND = "none"
_RUN = ExecutionKind.RUN.value
#: Remote requests whose failure was final (a request that was repeated is a `retry`).
_ANSWERING = tuple(k.value for k in (ExecutionKind.RUN, ExecutionKind.POLL, ExecutionKind.DISCOVER))


def _count_executions(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
    return (
        select(func.count())
        .where(Execution.submission_id == Submission.id, *conditions)
        .scalar_subquery()
    )


def _remote(kind: ExecutionKind) -> ColumnElement[int]:
    return _count_executions(Execution.backend != LOCAL_BACKEND, Execution.kind == kind.value)


def _internal_error() -> ColumnElement[bool]:
    ie = Verdict.IE.value
    test_ie = exists().where(TestResult.submission_id == Submission.id, TestResult.verdict == ie)
    return (Submission.verdict == ie) | test_ie


def _backend_error() -> ColumnElement[bool]:
    """A fallback (the remote backend was unavailable), or a remote request whose final
    answer was not a 2xx (`timeout`, `connect`, a 5xx...)."""
    failed_call = (
        (Execution.backend != LOCAL_BACKEND)
        & Execution.kind.in_(_ANSWERING)
        & (Execution.outcome != "")
        & ~Execution.outcome.startswith("2")
    )
    return exists().where(
        Execution.submission_id == Submission.id,
        (Execution.kind == ExecutionKind.FALLBACK.value) | failed_call,
    )


def _source_rows(since: datetime | None) -> Any:
    """The rollup rows of submissions finished since `since` whose row is missing or
    stale (every finished submission when `since` is None: the rollup is empty),
    computed from their results and executions."""
    runs = (Execution.submission_id == Submission.id, Execution.kind == _RUN)
    backend = select(func.min(Execution.backend)).where(*runs).scalar_subquery()
    current = exists().where(
        SubmissionFigures.submission_id == Submission.id,
        SubmissionFigures.finished_at == Submission.finished_at,
    )
    conditions: list[ColumnElement[bool]] = [
        Submission.status.in_(FINISHED),
        Submission.finished_at.is_not(None),
    ]
    if since is not None:
        conditions += [Submission.finished_at >= since, ~current]
    # An empty rollup has nothing to compare with; the check would even cost PostgreSQL a
    # scan of the growing table per row while it is filled (its statistics say empty).
    return (
        select(
            Submission.id,
            Submission.finished_at,
            Submission.status,
            Submission.language,
            Submission.mode,
            Submission.style,
            ProblemVersion.problem_id,
            func.coalesce(backend, literal(NO_BACKEND)),
            select(func.count()).where(TestResult.submission_id == Submission.id).scalar_subquery(),
            _count_executions(Execution.kind == _RUN),
            _remote(ExecutionKind.RUN),
            _remote(ExecutionKind.POLL),
            _remote(ExecutionKind.RETRY),
            _remote(ExecutionKind.DISCOVER),
            _internal_error(),
            _backend_error(),
            seconds_between(Submission.finished_at, Submission.started_at),
            seconds_between(Submission.started_at, Submission.created_at),
        )
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(*conditions)
    )


_COLUMNS = (
    "submission_id",
    "finished_at",
    "status",
    "language",
    "mode",
    "style",
    "problem_id",
    "backend",
    "tests",
    "runs",
    "remote_create",
    "remote_poll",
    "remote_retry",
    "remote_discover",
    "internal_error",
    "backend_error",
    "grading_s",
    "queue_s",
)


def _upsert(dialect: str, rows: Any) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SubmissionFigures).from_select(list(_COLUMNS), rows)
    updated = {name: statement.excluded[name] for name in _COLUMNS[1:]}
    return statement.on_conflict_do_update(index_elements=["submission_id"], set_=updated)


def refresh_rollup(session: Session) -> int:
    """Bring the rollup up to date in the caller's transaction; return how many rows
    were added or replaced."""
    newest = session.scalar(select(func.max(SubmissionFigures.finished_at)))
    since = newest - MARGIN if newest is not None else None
    rows = _source_rows(since)
    if not session.scalar(select(rows.exists())):
        return 0
    dialect = session.get_bind().dialect.name
    result: Any = session.execute(_upsert(dialect, rows))
    added = int(result.rowcount or 0)
    if since is None or added > ANALYZE_AFTER:
        # Fresh statistics, so the planner knows the rollup is no longer empty.
        session.execute(text(f"ANALYZE {SubmissionFigures.__tablename__}"))
    return added

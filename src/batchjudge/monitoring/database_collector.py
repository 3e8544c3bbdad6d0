"""Prometheus figures read from the database at scrape time, so every replica and every
restart agrees: queue depth, submissions by status, executions, tests and calls saved."""

import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.domain.reports import ExecutionKind
from batchjudge.judge0.statuses import Judge0Status

_log = logging.getLogger(__name__)


class PendingJobs(Protocol):
    """The job queue, as far as monitoring reads it (`GradingQueue` is one)."""

    def pending(self) -> int:
        """Jobs waiting for a worker."""
        ...


def _families() -> dict[str, GaugeMetricFamily]:
    return {
        "up": GaugeMetricFamily(
            "batchjudge_database_up", "1 when the figures below could be read, else 0."
        ),
        "depth": GaugeMetricFamily(
            "batchjudge_queue_depth",
            "Jobs waiting: our queued submissions and Judge0 API submissions in queue.",
            labels=["queue"],
        ),
        "age": GaugeMetricFamily(
            "batchjudge_queue_oldest_age_seconds",
            "Age of the oldest waiting job, by its creation time (0 when none waits).",
            labels=["queue"],
        ),
        "pending": GaugeMetricFamily(
            "batchjudge_queue_jobs_pending", "Jobs in the job queue not yet taken by a worker."
        ),
        "submissions": GaugeMetricFamily(
            "batchjudge_submissions", "Submissions by status.", labels=["status"]
        ),
        "executions": GaugeMetricFamily(
            "batchjudge_executions",
            "Sandbox executions and remote calls recorded, by kind and backend.",
            labels=["kind", "backend"],
        ),
        "tests": GaugeMetricFamily("batchjudge_tests_graded", "Test results stored."),
        "saved": GaugeMetricFamily(
            "batchjudge_calls_saved",
            "Tests graded minus run executions: the executions multi-test mode saved.",
        ),
    }


class DatabaseCollector:
    """A pull collector: every scrape runs a few aggregate queries (indexed on status)."""

    def __init__(self, engine: Engine, queue: PendingJobs | None = None) -> None:
        self._engine = engine
        self._queue = queue

    def describe(self) -> Iterator[Metric]:
        """The metric names, without touching the database (asked at registration)."""
        yield from _families().values()

    def collect(self) -> Iterator[Metric]:
        """Read every figure now."""
        families = _families()
        try:
            with self._engine.connect() as connection:
                self._read(connection, families)
        except SQLAlchemyError as exc:
            _log.warning("metrics: cannot read the database: %s", str(exc).splitlines()[0])
            families["up"].add_metric([], 0)
            yield families["up"]
            return
        families["up"].add_metric([], 1)
        if self._queue is not None:
            try:
                families["pending"].add_metric([], self._queue.pending())
            except (OSError, sqlite3.Error) as exc:
                _log.warning("metrics: cannot read the job queue: %s", exc)
        yield from families.values()

    @staticmethod
    def _read(connection: Connection, families: dict[str, GaugeMetricFamily]) -> None:
        now = datetime.now(UTC)
        waiting = {
            "submissions": connection.execute(
                select(func.count(), func.min(Submission.created_at)).where(
                    Submission.status == SubmissionStatus.QUEUED
                )
            ).one(),
            "judge0": connection.execute(
                select(func.count(), func.min(Judge0Submission.created_at)).where(
                    Judge0Submission.status_id == Judge0Status.IN_QUEUE
                )
            ).one(),
        }
        for queue, (count, oldest) in waiting.items():
            families["depth"].add_metric([queue], count)
            age = (now - oldest).total_seconds() if oldest is not None else 0.0
            families["age"].add_metric([queue], max(age, 0.0))
        by_status: dict[str, int] = {
            str(status): int(count)
            for status, count in connection.execute(
                select(Submission.status, func.count()).group_by(Submission.status)
            ).all()
        }
        for status in SubmissionStatus:
            families["submissions"].add_metric([status.value], by_status.get(status.value, 0))
        runs = 0
        rows = connection.execute(
            select(Execution.kind, Execution.backend, func.count()).group_by(
                Execution.kind, Execution.backend
            )
        ).all()
        for kind, backend, count in rows:
            families["executions"].add_metric([kind, backend], count)
            if kind == ExecutionKind.RUN.value:
                runs += count
        tests = connection.scalar(select(func.count()).select_from(TestResult)) or 0
        families["tests"].add_metric([], tests)
        families["saved"].add_metric([], tests - runs)

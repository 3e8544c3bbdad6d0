"""The durable grading queue: Huey over SQLite, consumed by threads inside the server.

The submissions table is the outbox: a submission is committed as `queued` before the
job is enqueued, and at start-up every queued (or interrupted) submission is enqueued
again, so a crash between the commit and the enqueue, or during grading, loses nothing.
A job delivered twice does nothing the second time (see services.grading_jobs).
"""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import SqliteHuey
from huey.consumer import Consumer

_log = logging.getLogger(__name__)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its signal handlers: the web server owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


class GradingQueue:
    """Enqueue submission ids; `workers` threads run `job(submission_id)` for each, and
    `judge0_job(token)` for each Judge0 API submission token."""

    def __init__(
        self,
        path: Path,
        job: Callable[[int], None],
        workers: int,
        judge0_job: Callable[[str], None] | None = None,
    ) -> None:
        self._huey = SqliteHuey(name="batchjudge", filename=str(path), results=False)

        def grade_submission_job(submission_id: int) -> None:
            job(submission_id)

        def grade_judge0_submission_job(token: str) -> None:
            if judge0_job is None:
                # Left In Queue: the next start-up's sweep queues it again.
                _log.error("no worker for Judge0 submission %s", token)
                return
            judge0_job(token)

        self._task: Any = self._huey.task(retries=2, retry_delay=1)(grade_submission_job)
        self._judge0_task: Any = self._huey.task(retries=2, retry_delay=1)(
            grade_judge0_submission_job
        )
        self._consumer = _EmbeddedConsumer(
            self._huey, workers=workers, periodic=False, worker_type="thread"
        )

    def enqueue(self, submission_id: int) -> None:
        """Queue grading of `submission_id` (durably, in the queue's SQLite file)."""
        self._task(submission_id)

    def enqueue_later(self, submission_id: int, delay_s: float) -> None:
        """Queue grading of `submission_id` to start in `delay_s` seconds (durably)."""
        self._task.schedule(args=(submission_id,), delay=delay_s)

    def enqueue_judge0(self, token: str) -> None:
        """Queue grading of the Judge0 API submission `token` (durably)."""
        self._judge0_task(token)

    def pending(self) -> int:
        """Jobs waiting for a worker."""
        return int(self._huey.pending_count())

    def start(self) -> None:
        """Start the worker threads."""
        self._consumer.start()

    def stop(self) -> None:
        """Stop the worker threads once their current jobs are done."""
        self._consumer.stop(graceful=True)

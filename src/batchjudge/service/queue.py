"""The durable grading queue: Huey over SQLite, consumed by threads inside the server.

The submissions table is the outbox: a submission is committed as `queued` before the
job is enqueued, and at start-up every queued (or interrupted) submission is enqueued
again, so a crash between the commit and the enqueue, or during grading, loses nothing.
A job delivered twice does nothing the second time (see services.grading_jobs).
"""

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from huey import SqliteHuey
from huey.consumer import Consumer

from batchjudge.monitoring.alerting import Delivery

_log = logging.getLogger(__name__)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its signal handlers: the web server owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


class GradingQueue:
    """Enqueue submission ids; `workers` threads run `job(submission_id, resume)` for each, and
    `judge0_job(token)` for each Judge0 API submission token."""

    def __init__(
        self,
        path: Path,
        job: Callable[[int, int | None], None],
        workers: int,
        judge0_job: Callable[[str], None] | None = None,
    ) -> None:
        self._huey = SqliteHuey(name="batchjudge", filename=str(path), results=False)

        # `resume` is the attempt a database outage cut short (services.grading_jobs).
        def grade_submission_job(submission_id: int, resume: int | None = None) -> None:
            job(submission_id, resume)

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

    def enqueue_later(self, submission_id: int, delay_s: float, resume: int | None = None) -> None:
        """Queue grading of `submission_id` to start in `delay_s` seconds (durably); the
        job takes back attempt `resume` when the submission is still at it."""
        self._task.schedule(args=(submission_id, resume), delay=delay_s)

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


class AlertQueue:
    """Alert evaluation every `interval_s`, and the webhook deliveries it asks for, on a
    Huey queue and consumer of their own: grading jobs never hold them up, and they
    never take a sandbox slot.

    Huey's periodic tasks are minute-grained, so evaluation is a chain instead: each run
    schedules the next `interval_s` after it ends, so two runs never overlap. Each start
    begins a new chain; a run of an older one (scheduled before a restart, kept in the
    queue file) sees a chain id that is not current and ends without rescheduling.
    Deliveries are durable jobs too: a failed attempt schedules the next with the delay
    `deliver` returns, across restarts.
    """

    def __init__(
        self,
        path: Path,
        interval_s: float,
        evaluate: Callable[[], Sequence[Delivery]],
        deliver: Callable[[Delivery, int], float | None],
    ) -> None:
        self._huey = SqliteHuey(name="batchjudge-alerts", filename=str(path), results=False)
        self._chain = ""
        self._stopping = threading.Event()

        def evaluate_alerts_job(chain: str) -> None:
            if chain != self._chain or self._stopping.is_set():
                return
            try:
                for delivery in evaluate():
                    self._deliver_task(tuple(delivery), 0)
            except Exception:
                _log.exception("alert evaluation failed; the next one runs as planned")
            finally:
                if not self._stopping.is_set():
                    self._evaluate_task.schedule(args=(chain,), delay=interval_s)

        def deliver_alert_job(delivery: tuple[str, int, str], attempt: int) -> None:
            try:
                delay = deliver(Delivery(*delivery), attempt)
            except Exception:
                _log.exception("alert delivery failed")
                return
            if delay is not None:
                self._deliver_task.schedule(args=(delivery, attempt + 1), delay=delay)

        self._evaluate_task: Any = self._huey.task()(evaluate_alerts_job)
        self._deliver_task: Any = self._huey.task()(deliver_alert_job)
        # Two threads: a delivery being retried never delays an evaluation. An idle
        # worker polls at least every second, so short intervals are kept.
        self._consumer = _EmbeddedConsumer(
            self._huey, workers=2, periodic=False, worker_type="thread", max_delay=1.0
        )

    def start(self) -> None:
        """Start the consumer and a new evaluation chain (its first run is now)."""
        self._chain = uuid.uuid4().hex
        self._stopping.clear()
        self._consumer.start()
        self._evaluate_task(self._chain)

    def stop(self) -> None:
        """Stop the consumer once its current jobs are done; scheduled deliveries stay."""
        self._stopping.set()
        self._consumer.stop(graceful=True)

"""Alert evaluation and webhook deliveries on a Huey queue of their own (a SQLite file in
the data dir), consumed by threads inside the server."""

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from huey.consumer import Consumer

from batchjudge.monitoring.alerting import Delivery
from batchjudge.service.sqlite_queue_storage import close_sqlite_queue, open_sqlite_queue

_log = logging.getLogger(__name__)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its signal handlers: the web server owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


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
        self._huey = open_sqlite_queue("batchjudge-alerts", str(path))
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
        close_sqlite_queue(self._huey)

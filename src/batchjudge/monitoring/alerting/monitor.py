"""AlertMonitor: one evaluation of the alert rules, its log lines, and webhook deliveries.

The queue calls `evaluate` every `alert_interval_s` and `deliver` for each webhook and
change it returned; each delivery is its own durable job, retried with back-off.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.base import utc_now
from batchjudge.db.monitoring import Alert
from batchjudge.monitoring.alerting.defaults import load_rules
from batchjudge.monitoring.alerting.evaluator import AlertChange, AlertEvaluator
from batchjudge.monitoring.alerting.readings import FigureSource, Readings
from batchjudge.monitoring.alerting.webhooks import (
    WebhookSender,
    alert_payload,
    check_webhooks,
    retry_delay,
    shown_url,
)
from batchjudge.monitoring.health_report import HealthSource
from batchjudge.settings import Settings

_log = logging.getLogger(__name__)

#: Shortest pause between evaluations after which a pending condition starts over.
_MIN_GAP_S = 120.0


class Delivery(NamedTuple):
    """One change of one alert, for one webhook (queued as plain values)."""

    url: str
    alert_id: int
    status: str


class AlertMonitor:
    """Evaluates the rules and reports the changes; safe to call from any thread."""

    def __init__(
        self,
        evaluator: AlertEvaluator,
        readings: Callable[[], Readings],
        sessions: sessionmaker[Session],
        webhooks: Sequence[str],
        sender: WebhookSender,
    ) -> None:
        self.evaluator = evaluator
        self._readings = readings
        self._sessions = sessions
        self._webhooks = tuple(webhooks)
        self._sender = sender
        self._turn = threading.Lock()

    def evaluate(self) -> list[Delivery]:
        """Evaluate every rule now and log each change; return the webhook deliveries
        to make (one per change and webhook)."""
        return [
            Delivery(url, change.alert_id, change.status.value)
            for change in self.check_rules()
            for url in self._webhooks
        ]

    def check_rules(self) -> list[AlertChange]:
        """Evaluate every rule now, log each change, and return the changes. While an
        evaluation runs in this process, another one is a no-op."""
        if not self._turn.acquire(blocking=False):
            _log.info("alert evaluation skipped: the previous one is still running")
            return []
        try:
            readings = self._readings()
            changes = self.evaluator.evaluate(readings, readings.now)
        finally:
            self._turn.release()
        for change in changes:
            _log_change(change)
        return changes

    def deliver(self, delivery: Delivery, attempt: int) -> float | None:
        """Make one attempt at `delivery`; return the seconds to wait before the next
        attempt, or None when it is done (sent, superseded, or out of attempts)."""
        with self._sessions() as session:
            row = session.get(Alert, delivery.alert_id)
            if row is None or row.status != delivery.status:
                # The alert changed again (it resolved while this firing was retried):
                # the newer change has its own delivery, and order matters to receivers.
                return None
            payload = alert_payload(row)
        if self._sender.post(delivery.url, payload):
            return None
        delay = retry_delay(attempt)
        if delay is None:
            _log.error(
                "alert webhook %s gave up on %s %s after %d attempts",
                shown_url(delivery.url),
                payload["fingerprint"],
                payload["status"],
                attempt + 1,
            )
        return delay

    def close(self) -> None:
        """Release the webhook connections."""
        self._sender.close()


def _log_change(change: AlertChange) -> None:
    _log.log(
        change.severity.log_level,
        "alert %s: %s [%s] %s",
        change.status.value,
        change.fingerprint,
        change.severity.value,
        change.message,
    )


def build_alert_monitor(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    health: HealthSource | None = None,
    figures: FigureSource | None = None,
    sender: WebhookSender | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> AlertMonitor:
    """The service's alert monitor, its rules and webhooks checked.

    Raises:
        ConfigError: one line, for a bad rule override or webhook URL.
    """
    rules = load_rules(settings)
    check_webhooks(settings.alert_webhooks)

    def readings() -> Readings:
        return Readings(
            now=clock(), environment=settings.environment, health=health, figures=figures
        )

    max_gap_s = max(_MIN_GAP_S, 5 * settings.alert_interval_s)
    return AlertMonitor(
        AlertEvaluator(rules, sessions, max_gap_s),
        readings,
        sessions,
        settings.alert_webhooks,
        sender or WebhookSender(),
    )


def check_alert_settings(settings: Settings) -> None:
    """Start-up check of the alert settings alone (for `serve`'s preflight).

    Raises:
        ConfigError: one line, for a bad rule override or webhook URL.
    """
    load_rules(settings)
    check_webhooks(settings.alert_webhooks)

"""The service's alerting: the monitor and the queue that runs it, started with the app."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.monitoring.alerting import AlertMonitor, FigureSource, build_alert_monitor
from batchjudge.monitoring.health_report import HealthSource
from batchjudge.service.alert_queue import AlertQueue
from batchjudge.settings import Settings


@dataclass
class ServiceAlerts:
    """Alert evaluation every `alert_interval_s`, with its webhook deliveries."""

    monitor: AlertMonitor
    queue: AlertQueue

    def start(self) -> None:
        """Evaluate now, then every interval."""
        self.queue.start()

    def stop(self) -> None:
        """Stop evaluating (blocks until the running job ends)."""
        self.queue.stop()
        self.monitor.close()


def build_service_alerts(
    settings: Settings,
    sessions: sessionmaker[Session],
    data_dir: Path,
    *,
    health: HealthSource | None = None,
    figures: FigureSource | None = None,
) -> ServiceAlerts:
    """Alerting over `health` and `figures`; their rules are skipped while one is None.

    Raises:
        ConfigError: one line, for a bad rule override or webhook URL.
    """
    monitor = build_alert_monitor(settings, sessions, health=health, figures=figures)
    queue = AlertQueue(
        data_dir / "alerts-queue.sqlite3",
        settings.alert_interval_s,
        monitor.evaluate,
        monitor.deliver,
    )
    return ServiceAlerts(monitor, queue)

"""The health checks as Prometheus gauges, so alert rules can read them."""

from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from batchjudge.monitoring.health_report import HealthReport, HealthStatus

#: Gauge value of each status: higher is worse.
STATUS_VALUES = {HealthStatus.OK: 0, HealthStatus.DEGRADED: 1, HealthStatus.DOWN: 2}


class LatestHealth(Protocol):
    """A health source that may answer from a short cache (`HealthChecker` is one)."""

    def latest(self) -> HealthReport:
        """A recent report."""
        ...


def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily("batchjudge_health_status", "Overall health: 0 ok, 1 degraded, 2 down."),
        GaugeMetricFamily(
            "batchjudge_health_check_status",
            "Each health check: 0 ok, 1 degraded, 2 down.",
            labels=["check"],
        ),
        GaugeMetricFamily(
            "batchjudge_health_check_value",
            "Each health check's measured value (seconds, a count or a fraction).",
            labels=["check"],
        ),
    )


class HealthCollector:
    """Reads the latest health report at scrape time."""

    def __init__(self, health: LatestHealth) -> None:
        self._health = health

    def describe(self) -> Iterator[Metric]:
        """The metric names (asked at registration, without running the checks)."""
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        """The gauges from the latest report."""
        report = self._health.latest()
        overall, statuses, values = _families()
        overall.add_metric([], STATUS_VALUES[report.status])
        for name, check in sorted(report.checks.items()):
            statuses.add_metric([name], STATUS_VALUES[check.status])
            if check.value is not None:
                values.add_metric([name], check.value)
        yield from (overall, statuses, values)

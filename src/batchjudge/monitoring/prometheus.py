"""The app's own Prometheus registry and the instruments the service feeds.

Never the global `prometheus_client.REGISTRY`: two apps built in one process (every test
that builds one, a reload) would collide on it with "Duplicated timeseries".
"""

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector

#: Request latency buckets, in seconds: health answers in milliseconds, uploads in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Methods kept as label values; anything else is `other` (labels must stay few).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class PrometheusMetrics:
    """A registry of its own with the request histogram, the error counter and the
    pull collectors given (read at scrape time).

    Example:
        metrics = PrometheusMetrics([DatabaseCollector(engine, queue)])
        metrics.observe_request("/api/v1/submissions/{submission_id}", "GET", 200, 0.004)
        body = metrics.render()
    """

    def __init__(self, collectors: Iterable[Collector] = ()) -> None:
        self.registry = CollectorRegistry()
        self._requests = Histogram(
            "batchjudge_http_request_duration_seconds",
            "HTTP request latency by route template, method and status class.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._errors = Counter(
            "batchjudge_unexpected_errors",
            "Unexpected exceptions since the process started, by where they happened.",
            ["where"],
            registry=self.registry,
        )
        for where in ("api", "grading"):
            self._errors.labels(where)  # present at 0, so rate() works from the start
        self.register(*collectors)

    def register(self, *collectors: Collector) -> None:
        """Add pull collectors, read at every scrape."""
        for collector in collectors:
            self.registry.register(collector)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Record one answered request; `route` is its template, not the raw path."""
        shown = method if method in _METHODS else "other"
        self._requests.labels(route, shown, f"{status // 100}xx").observe(seconds)

    def count_unexpected_error(self, where: str) -> None:
        """Count one unexpected exception raised in `where` (`api`, `grading`)."""
        self._errors.labels(where).inc()

    def render(self) -> bytes:
        """Every metric in the text exposition format."""
        return generate_latest(self.registry)

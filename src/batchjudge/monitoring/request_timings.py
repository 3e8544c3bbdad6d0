"""Recent request latencies per route, for the performance figures' percentiles.

Per process and bounded: each route keeps its last `keep` durations. Prometheus's
histograms serve dashboards across replicas; this serves the JSON endpoint.
"""

import statistics
import threading
from collections import deque


class RequestTimings:
    """Thread-safe latency samples by route template (`/api/v1/submissions/{id}`)."""

    def __init__(self, keep: int = 2048) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._samples: dict[str, deque[float]] = {}

    def observe(self, route: str, seconds: float) -> None:
        """Record one request to `route` that took `seconds`."""
        with self._lock:
            samples = self._samples.get(route)
            if samples is None:
                samples = self._samples[route] = deque(maxlen=self._keep)
            samples.append(seconds)

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Per route: `count`, `p50`, `p95` and `p99` in seconds."""
        with self._lock:
            copied = {route: list(samples) for route, samples in self._samples.items()}
        return {route: _summary(samples) for route, samples in sorted(copied.items())}


def _summary(samples: list[float]) -> dict[str, float]:
    if len(samples) == 1:
        only = samples[0]
        return {"count": 1, "p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"count": len(samples), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}

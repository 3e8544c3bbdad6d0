"""Is a remote server (Judge0) answering? Asked in the background, remembered briefly,
so a health check never waits on the network for longer than the first probe."""

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from batchjudge.monitoring.health_report import CheckResult, HealthStatus


class RemoteProbe:
    """GETs `url` (no credentials, so no quota is spent) every `fresh_s` at most.

    Any HTTP answer below 500 means reachable (401/403: up, but wants a key); a 5xx, a
    refused connection or a timeout means down. `result` returns the last answer and
    starts a new probe in the background when it is stale; only the very first call
    waits, at most `timeout_s`.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 2.0,
        fresh_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._shown = urlsplit(url).netloc.rpartition("@")[2]  # never userinfo
        self._timeout_s = timeout_s
        self._fresh_s = fresh_s
        self._clock = clock
        self._client = httpx.Client(timeout=timeout_s, transport=transport)
        self._lock = threading.Lock()
        self._first = threading.Event()
        self._result: CheckResult | None = None
        self._probed_at: float | None = None
        self._running = False
        self._closed = False

    def result(self) -> CheckResult:
        """The latest answer; a stale one triggers a new probe in the background."""
        with self._lock:
            stale = self._probed_at is None or self._clock() - self._probed_at >= self._fresh_s
            if stale and not self._running and not self._closed:
                self._running = True
                threading.Thread(target=self._refresh, name="health-probe", daemon=True).start()
        if not self._first.wait(self._timeout_s + 0.5):
            return CheckResult(HealthStatus.DOWN, f"{self._shown}: no answer yet")
        assert self._result is not None
        return self._result

    def _refresh(self) -> None:
        outcome = CheckResult(HealthStatus.DOWN, f"{self._shown}: the probe failed")
        try:
            outcome = self._probe()
        finally:
            with self._lock:
                self._result = outcome
                self._probed_at = self._clock()
                self._running = False
            self._first.set()

    def _probe(self) -> CheckResult:
        started = time.perf_counter()
        try:
            response = self._client.get(self._url)
        except httpx.HTTPError as exc:
            return CheckResult(
                HealthStatus.DOWN, f"{self._shown} unreachable: {type(exc).__name__}"
            )
        except RuntimeError:  # closed meanwhile: the app is stopping
            return CheckResult(HealthStatus.DOWN, f"{self._shown}: probe stopped")
        elapsed = time.perf_counter() - started
        if response.status_code >= 500:
            return CheckResult(
                HealthStatus.DOWN, f"{self._shown} answers HTTP {response.status_code}", elapsed
            )
        return CheckResult(
            HealthStatus.OK,
            f"{self._shown} answered HTTP {response.status_code} in {elapsed * 1000:.0f} ms",
            elapsed,
        )

    def close(self) -> None:
        """Stop probing and release the connection pool."""
        with self._lock:
            self._closed = True
        self._client.close()

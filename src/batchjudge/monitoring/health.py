"""HealthChecker: runs the health checks (`monitoring.health_checks`), with a short
cache so that polling health stays cheap, and a background probe of the Judge0 server."""

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine

from batchjudge.db.migrate import head_revision
from batchjudge.domain.errors import SandboxError
from batchjudge.execution.factory import build_sandbox
from batchjudge.execution.judge0 import judge0_endpoint
from batchjudge.execution.local.strength import SandboxStrength
from batchjudge.monitoring.database_collector import PendingJobs
from batchjudge.monitoring.health_checks import (
    DOWN,
    database_checks,
    disk_check,
    first_line,
    quota_check,
    sandbox_checks,
    worst,
)
from batchjudge.monitoring.health_report import CheckResult, HealthReport
from batchjudge.monitoring.remote_probe import RemoteProbe
from batchjudge.monitoring.worker_check import workers_check
from batchjudge.settings import BackendKind, Judge0Auth, Settings


class HealthChecker:
    """Runs every check; a `HealthSource`.

    `check()` runs them all now (the Judge0 probe answers from its background cache);
    `latest()` reuses a report younger than `max_age_s`, and `cached()` never waits, so
    a load balancer or a crowd of clients polling health costs one round of checks a
    second.

    Example:
        checker = HealthChecker.from_settings(settings, data_dir, engine, queue)
        report = checker.latest()     # report.status, report.checks["database"]...
        checker.close()
    """

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        engine: Engine,
        queue: PendingJobs | None = None,
        *,
        strength: Callable[[], SandboxStrength] | None = None,
        judge0_probe: RemoteProbe | None = None,
        max_age_s: float = 1.0,
        stall_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        languages: Sequence[str] = (),
        grading: bool = True,
    ) -> None:
        """`strength` defaults to probing this host's sandbox once; `judge0_probe`
        should be given when `settings.backend` is judge0 (`from_settings` does)."""
        self._settings = settings
        self._data_dir = data_dir
        self._engine = engine
        self._queue = queue
        self._strength_source = strength or build_sandbox(settings, data_dir).strength
        self._strength: SandboxStrength | None = None
        self._probe = judge0_probe
        self._head = head_revision()
        self._max_age_s = max_age_s
        self._stall_s = stall_s
        self._clock = clock
        self._languages = tuple(languages)  # each needs a live worker
        # A process that grades nothing runs no sandbox: its isolation is not its health.
        self._grading = grading
        self._refresh = threading.Lock()
        self._latest: tuple[HealthReport, float] | None = None
        self._closed = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        data_dir: Path,
        engine: Engine,
        queue: PendingJobs | None,
        languages: Sequence[str] = (),
        grading: bool = True,
    ) -> "HealthChecker":
        """A checker with a Judge0 probe (`GET {judge0_url}/about`) when the backend is
        judge0."""
        probe = None
        if settings.backend is BackendKind.JUDGE0:
            endpoint = judge0_endpoint(settings)
            probe = RemoteProbe(
                endpoint.base_url + "/about", timeout_s=min(settings.judge0_timeout_s, 2.0)
            )
        return cls(
            settings,
            data_dir,
            engine,
            queue,
            judge0_probe=probe,
            languages=languages,
            grading=grading,
        )

    def cached(self) -> HealthReport | None:
        """A report to answer with now, without waiting (None: call `latest`).

        Younger than `max_age_s`: as it is. Older, but by less than `stall_s` more: as it
        is too, while one background thread refreshes it, so a crowd polling health never
        queues behind the checks.
        """
        latest = self._latest
        if latest is None:
            return None
        report, made_at = latest
        age = self._clock() - made_at
        if age < self._max_age_s:
            return report
        if not self._closed and self._refresh.acquire(blocking=False):
            threading.Thread(target=self._refresh_behind, name="health", daemon=True).start()
        return report if age < self._max_age_s + self._stall_s else None

    def _refresh_behind(self) -> None:
        try:
            report = self.check()
            self._latest = (report, self._clock())
        finally:
            self._refresh.release()

    def latest(self) -> HealthReport:
        """A report at most `max_age_s` old; one caller refreshes it while the others wait
        for that (at most `stall_s`, after which the answer is down)."""
        latest = self._latest
        if latest is not None and self._clock() - latest[1] < self._max_age_s:
            return latest[0]
        if not self._refresh.acquire(timeout=self._stall_s):
            stalled = CheckResult(DOWN, f"the checks did not finish within {self._stall_s:g} s")
            return HealthReport(DOWN, {"health": stalled})
        try:
            latest = self._latest  # another caller may have refreshed it meanwhile
            if latest is not None and self._clock() - latest[1] < self._max_age_s:
                return latest[0]
            report = self.check()
            self._latest = (report, self._clock())
            return report
        finally:
            self._refresh.release()

    def check(self) -> HealthReport:
        """Run every check now."""
        settings = self._settings
        checks = database_checks(self._engine, self._head, settings.max_queue_length, self._queue)
        if self._grading:
            checks.update(self._sandbox_checks())
        if self._probe is not None:
            checks["backend_judge0"] = self._probe.result()
        if settings.backend is BackendKind.JUDGE0 and settings.judge0_auth is not Judge0Auth.NONE:
            checks["judge0_quota"] = quota_check(self._engine)
        checks["workers"] = workers_check(self._engine, settings.worker_timeout_s, self._languages)
        checks["disk"] = disk_check(self._data_dir)
        return HealthReport(worst([check.status for check in checks.values()]), checks)

    def close(self) -> None:
        """Stop refreshing and probing; waits (at most `stall_s`) for a refresh under way,
        so nothing uses the engine once this returns and the engine can be disposed."""
        self._closed = True
        if self._refresh.acquire(timeout=self._stall_s):
            self._refresh.release()
        if self._probe is not None:
            self._probe.close()

    def _sandbox_checks(self) -> dict[str, CheckResult]:
        try:
            if self._strength is None:  # the host's isolation does not change while we run
                self._strength = self._strength_source()
        except (OSError, SandboxError) as exc:
            broken = CheckResult(DOWN, f"cannot probe the sandbox: {first_line(exc)}")
            return {"sandbox": broken, "backend_local": broken}
        return sandbox_checks(self._strength, self._settings)

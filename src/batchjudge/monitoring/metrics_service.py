"""MetricsService: every monitoring figure, computed from the database over a window.

Built once by the app's lifespan and kept on the service state (never a module global).
The figures come from rows (submissions, results, executions, feedback), so a restart or
another replica sees the same numbers.

Example (an alert rule over the last 15 minutes):

    window = Window(now - timedelta(minutes=15), now)
    if service.performance(window)["error_rate"] > 0.01: ...
"""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from typing_extensions import TypedDict

from batchjudge.db.accounts import User
from batchjudge.db.monitoring import MetricsReset
from batchjudge.monitoring.adoption import AdoptionFigures
from batchjudge.monitoring.dashboard import (
    ActiveAlert,
    DashboardFigures,
    compose_dashboard,
    count_received,
    fetch_active_alerts,
)
from batchjudge.monitoring.efficiency import EfficiencyFigures
from batchjudge.monitoring.figure_cache import FigureCache
from batchjudge.monitoring.figure_source import DatabaseFigures, FigureSource
from batchjudge.monitoring.performance import (
    LatencySource,
    PerformanceFigures,
    with_latencies,
)
from batchjudge.monitoring.windows import (
    DEFAULT_WINDOW,
    Window,
    WindowName,
    fetch_latest_reset,
    resolve_window,
)
from batchjudge.services import audit

_log = logging.getLogger(__name__)
T = TypeVar("T")

#: Seconds a computed figure is served again before it is recomputed.
DEFAULT_CACHE_TTL_S = 5.0
#: What the health status reads when no health source was given.
UNKNOWN_HEALTH = "unknown"


class Figure(StrEnum):
    """The figures the API serves, by endpoint name."""

    DASHBOARD = "dashboard"
    EFFICIENCY = "efficiency"
    ADOPTION = "adoption"
    PERFORMANCE = "performance"
    METRICS = "metrics"


class AllMetrics(TypedDict):
    """Every figure in one document (the admin `metrics` endpoint)."""

    window: dict[str, str | None]
    last_reset: str | None
    efficiency: EfficiencyFigures
    adoption: AdoptionFigures
    performance: PerformanceFigures
    health: str
    alerts: list[ActiveAlert]


class ResetRecord(TypedDict):
    """An audited reset: who started a new metrics window, and when."""

    id: int
    reset_at: str
    user_id: int
    user: str


class MetricsService:
    """The monitoring figures of a window, with a short-lived cache.

    Args:
        sessions: database sessions.
        price_per_remote_call: for `estimated_cost_saved`, in any currency.
        source: where the figures that scan the rollup are computed (default: in the
            calling thread, with `price_per_remote_call`; the app passes a
            `FigureProcess`, which has its own price).
        latencies: per-route API latency percentiles (`RequestTimings.snapshot`).
        health: the current health status (`ok`, `degraded`, `down`).
        cache_ttl_s: how long a named window's figures are reused (0 turns caching off).
        clock: the current time (UTC), for tests.

    Figures of a named window (the API's) are cached for `cache_ttl_s`; a window built
    by hand (`name` None) is always computed. `reset` clears the cache. Before computing,
    the rollup the figures read is brought up to date (`refresh`).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        price_per_remote_call: float = 0.0,
        source: FigureSource | None = None,
        latencies: LatencySource | None = None,
        health: Callable[[], str] | None = None,
        cache_ttl_s: float = DEFAULT_CACHE_TTL_S,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._sessions = sessions
        self._source = source or DatabaseFigures(sessions, price_per_remote_call)
        self._latencies = latencies
        self._health = health
        self._cache = FigureCache(cache_ttl_s)
        self._now = clock or (lambda: datetime.now(UTC))

    def refresh(self) -> int:
        """Add the submissions finished since the last refresh to the rollup; return how
        many rows were added or replaced (the first refresh after an upgrade fills it)."""
        added = self._source.refresh()
        if added:
            _log.info("monitoring rollup: %d finished submissions added", added)
        return added

    def window(self, name: WindowName = DEFAULT_WINDOW) -> Window:
        """The named window ending now, starting no earlier than the latest reset."""
        return resolve_window(name, self._now(), self._latest_reset())

    def efficiency(self, window: Window) -> EfficiencyFigures:
        """Tests, executions, remote calls, `calls_saved`, `efficiency_gain` and splits."""
        return self._efficiency(window, refresh=True)

    def adoption(self, window: Window) -> AdoptionFigures:
        """Active users, feature usage, new and returning users, satisfaction."""
        return self._adoption(window, refresh=True)

    def performance(self, window: Window) -> PerformanceFigures:
        """Grading time, `queue_wait`, success and `error_rate`, API latency."""
        return self._performance(window, refresh=True)

    def dashboard(self, window: Window) -> DashboardFigures:
        """The key figures at a glance, the health status and the firing alerts."""

        def compute() -> DashboardFigures:
            with self._sessions() as session:
                received = count_received(session, window)
                alerts = fetch_active_alerts(session)
            return compose_dashboard(
                window,
                received,
                self._efficiency(window, refresh=False),
                self._adoption(window, refresh=False),
                self._performance(window, refresh=False),
                self.health_status(),
                alerts,
            )

        return self._cached("dashboard", window, compute, refresh=True)

    def all_metrics(self, window: Window) -> AllMetrics:
        """Every figure of `window` in one document."""

        def compute() -> AllMetrics:
            with self._sessions() as session:
                alerts = fetch_active_alerts(session)
            reset = self._latest_reset()
            return AllMetrics(
                window=window.describe(),
                last_reset=reset.isoformat() if reset is not None else None,
                efficiency=self._efficiency(window, refresh=False),
                adoption=self._adoption(window, refresh=False),
                performance=self._performance(window, refresh=False),
                health=self.health_status(),
                alerts=alerts,
            )

        return self._cached("all", window, compute, refresh=True)

    def figure(self, figure: Figure, window: Window) -> Any:
        """The figure named `figure` of `window` (the method of that name)."""
        if figure is Figure.METRICS:
            return self.all_metrics(window)
        method: Callable[[Window], Any] = getattr(self, figure.value)
        return method(window)

    def answer(self, figure: Figure, name: WindowName) -> bytes:
        """The figure of the named window as the API's JSON body, cached like the figure
        (so an answer may be up to twice `cache_ttl_s` old)."""

        def render() -> bytes:
            value = self.figure(figure, self.window(name))
            return json.dumps(value, separators=(",", ":")).encode()

        return self._cache.get_or_compute(("answer", figure.value, name.value), render)

    def cached_answer(self, figure: Figure, name: WindowName) -> tuple[bytes, bool] | None:
        """`answer` if it is cached and usable, and whether it is due for a recomputation
        (call `answer` for that, after answering with this one); None when nothing usable
        is cached. Never touches the database, never waits."""
        found = self._cache.lookup(("answer", figure.value, name.value))
        if found is None or not isinstance(found.value, bytes):
            return None
        return found.value, found.due

    def close(self) -> None:
        """Release the figure source (stops a figure process)."""
        self._source.close()

    def health_status(self) -> str:
        """The health source's status, or `unknown` without one."""
        return self._health() if self._health is not None else UNKNOWN_HEALTH

    def reset(self, user: User, note: str = "", ip: str = "") -> ResetRecord:
        """Start new metrics windows from now; no row is deleted and `all` still sees
        everything. Audited: the row keeps who and when, the audit log has an entry (from
        `ip`), and a log line says so."""
        now = self._now()
        with self._sessions.begin() as session:
            row = MetricsReset(user_id=user.id, reset_at=now, note=note)
            session.add(row)
            session.flush()
            audit.record(
                session,
                audit.AuditAction.METRICS_RESET,
                actor_id=user.id,
                target=f"metrics_reset:{row.id}",
                details={"via": "api", "note": note[:200]},
                ip=ip,
            )
            record = ResetRecord(
                id=row.id, reset_at=now.isoformat(), user_id=user.id, user=user.name
            )
        self._cache.clear()
        _log.info(
            "audit: metrics reset by %s (user %d) at %s%s",
            user.name,
            user.id,
            record["reset_at"],
            f": {note}" if note else "",
        )
        return record

    def _latest_reset(self) -> datetime | None:
        def fetch() -> tuple[datetime | None]:
            with self._sessions() as session:
                return (fetch_latest_reset(session),)

        return self._cache.get_or_compute(("latest_reset",), fetch)[0]

    def _efficiency(self, window: Window, *, refresh: bool) -> EfficiencyFigures:
        def compute() -> EfficiencyFigures:
            return self._source.efficiency(window)

        return self._cached("efficiency", window, compute, refresh=refresh)

    def _adoption(self, window: Window, *, refresh: bool) -> AdoptionFigures:
        def compute() -> AdoptionFigures:
            return self._source.adoption(window)

        return self._cached("adoption", window, compute, refresh=refresh)

    def _performance(self, window: Window, *, refresh: bool) -> PerformanceFigures:
        def compute() -> PerformanceFigures:
            figures = self._source.performance(window)
            if self._latencies is None:
                return figures
            return with_latencies(figures, self._latencies)  # this process's, not the source's

        return self._cached("performance", window, compute, refresh=refresh)

    def _cached(self, figure: str, window: Window, compute: Callable[[], T], *, refresh: bool) -> T:
        """`compute()`, or its cached value for a named window. `refresh` first brings the
        rollup up to date (a composite figure does it once for its parts)."""

        def fresh() -> T:
            if refresh:
                self.refresh()  # one indexed read when the rollup is current
            return compute()

        if window.name is None:
            return fresh()
        return self._cache.get_or_compute((figure, window.name), fresh)

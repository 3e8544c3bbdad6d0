"""What alert rules look at: the health report and the figures, read once per evaluation.

The sources are the monitoring colleagues' objects seen through small protocols, so the
rules can be tested with fakes. A source that fails is logged and reads as None: the
rules that need it are skipped in that evaluation (no fire, no resolve).
"""

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from batchjudge.monitoring.health_report import HealthReport, HealthSource
from batchjudge.monitoring.windows import Window
from batchjudge.settings import Environment

_log = logging.getLogger(__name__)

_T = TypeVar("_T")


class FigureSource(Protocol):
    """The figures alert rules read (`MetricsService` provides them), over a window the
    rule builds by hand (unnamed, so never served from a cache)."""

    def performance(self, window: Window) -> Mapping[str, Any]:
        """At least `error_rate` (a fraction, 0 to 1) and `queue_wait.p95` (seconds)."""
        ...

    def efficiency(self, window: Window) -> Mapping[str, Any]:
        """At least `calls_saved` (a count)."""
        ...


class Readings:
    """One evaluation's view of the service at `now`; each reading is taken at most once."""

    def __init__(
        self,
        *,
        now: datetime,
        environment: Environment,
        health: HealthSource | None = None,
        figures: FigureSource | None = None,
    ) -> None:
        self.now = now
        self.environment = environment
        self._health = health
        self._figures = figures
        self._taken: dict[str, object] = {}

    def health(self) -> HealthReport | None:
        """The health report, or None when there is no health source or it failed."""
        source = self._health
        return None if source is None else self._take("health", source.check)

    def performance(self, window_s: float | None) -> Mapping[str, Any] | None:
        """The performance figures over the last `window_s` seconds (None: all)."""
        figures = self._figures
        if figures is None:
            return None
        return self._take(
            f"performance:{window_s}", lambda: figures.performance(self._window(window_s))
        )

    def efficiency(self, window_s: float | None) -> Mapping[str, Any] | None:
        """The efficiency figures over the last `window_s` seconds (None: all)."""
        figures = self._figures
        if figures is None:
            return None
        return self._take(
            f"efficiency:{window_s}", lambda: figures.efficiency(self._window(window_s))
        )

    def _window(self, window_s: float | None) -> Window:
        """The last `window_s` seconds up to now; all history when None (resets or not)."""
        if window_s is None:
            return Window(None, self.now)
        return Window(self.now - timedelta(seconds=window_s), self.now)

    def _take(self, key: str, read: Callable[[], _T]) -> _T | None:
        if key in self._taken:
            return cast(_T | None, self._taken[key])
        value: _T | None
        try:
            value = read()
        except Exception:
            # Any failure of a source must not stop the other rules (nor the evaluator).
            _log.warning("alert rules cannot read %s", key, exc_info=True)
            value = None
        self._taken[key] = value
        return value

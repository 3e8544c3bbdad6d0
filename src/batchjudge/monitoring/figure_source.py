"""Where the heavy figures are computed: `DatabaseFigures` computes them in the calling
thread; `FigureProcess` (figure_process.py) hands the same calls to another process."""

import threading
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.monitoring.adoption import AdoptionFigures, compute_adoption
from batchjudge.monitoring.efficiency import EfficiencyFigures, compute_efficiency
from batchjudge.monitoring.performance import PerformanceFigures, compute_performance
from batchjudge.monitoring.rollup import refresh_rollup
from batchjudge.monitoring.windows import Window


class FigureSource(Protocol):
    """The figures that scan the rollup; `performance` leaves `api_latency` empty (the
    latencies belong to the serving process, which fills them in)."""

    def refresh(self) -> int:
        """Bring the rollup up to date; how many rows were added or replaced."""
        ...

    def efficiency(self, window: Window) -> EfficiencyFigures:
        """The efficiency figures of `window`."""
        ...

    def adoption(self, window: Window) -> AdoptionFigures:
        """The adoption figures of `window`."""
        ...

    def performance(self, window: Window) -> PerformanceFigures:
        """The performance figures of `window`, without API latencies."""
        ...

    def close(self) -> None:
        """Release what it holds."""
        ...


class DatabaseFigures:
    """Computes each figure from the database, in the calling thread."""

    def __init__(self, sessions: sessionmaker[Session], price_per_remote_call: float) -> None:
        self._sessions = sessions
        self._price = price_per_remote_call
        self._refresh_lock = threading.Lock()

    def refresh(self) -> int:
        with self._refresh_lock, self._sessions.begin() as session:
            return refresh_rollup(session)

    def efficiency(self, window: Window) -> EfficiencyFigures:
        with self._sessions() as session:
            return compute_efficiency(session, window, self._price)

    def adoption(self, window: Window) -> AdoptionFigures:
        with self._sessions() as session:
            return compute_adoption(session, window)

    def performance(self, window: Window) -> PerformanceFigures:
        with self._sessions() as session:
            return compute_performance(session, window)

    def close(self) -> None:
        return None

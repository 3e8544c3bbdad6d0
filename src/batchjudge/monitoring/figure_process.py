"""FigureProcess: the heavy figures computed in a child process.

A figure over 100 000 submissions costs tens to hundreds of milliseconds, much of it
Python (result rows, percentiles, JSON). In a server thread that time is taken from the
event loop through the GIL, so every answer waiting meanwhile, even `health`, is late
by as much. In a child process it runs on another core, and the server keeps answering.

The child is started on the first figure (spawned, so it inherits no thread or
connection of the server), builds its own engine, and is restarted if it dies: the call
that found it dead is computed in the calling thread instead.
"""

import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.monitoring.adoption import AdoptionFigures
from batchjudge.monitoring.efficiency import EfficiencyFigures
from batchjudge.monitoring.figure_source import DatabaseFigures
from batchjudge.monitoring.performance import PerformanceFigures
from batchjudge.monitoring.windows import Window

_log = logging.getLogger(__name__)

# The child's own source. A pool worker receives only a function and its arguments, so
# what its initializer builds must live at module level; it exists only in the child.
_child_figures: DatabaseFigures | None = None


def _start_child(database_url: str, price_per_remote_call: float) -> None:
    global _child_figures
    # Ctrl-C in a terminal reaches the whole process group; the server shuts the pool
    # down itself, so the child must not die with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = make_engine(database_url)
    _child_figures = DatabaseFigures(make_session_factory(engine), price_per_remote_call)


def _in_child(method: str, *args: Any) -> Any:
    assert _child_figures is not None, "the figure process was not initialised"
    return getattr(_child_figures, method)(*args)


class FigureProcess:
    """A `FigureSource` whose calls run in one child process (see the module).

    `fallback` computes a call in the calling thread when the child has died.
    """

    def __init__(
        self, database_url: str, price_per_remote_call: float, fallback: DatabaseFigures
    ) -> None:
        self._start_args = (database_url, price_per_remote_call)
        self._fallback = fallback
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def refresh(self) -> int:
        added: int = self._call("refresh", self._fallback.refresh)
        return added

    def efficiency(self, window: Window) -> EfficiencyFigures:
        figures: EfficiencyFigures = self._call("efficiency", self._fallback.efficiency, window)
        return figures

    def adoption(self, window: Window) -> AdoptionFigures:
        figures: AdoptionFigures = self._call("adoption", self._fallback.adoption, window)
        return figures

    def performance(self, window: Window) -> PerformanceFigures:
        figures: PerformanceFigures = self._call("performance", self._fallback.performance, window)
        return figures

    def close(self) -> None:
        """Stop the child (waiting for a computation under way)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _call(self, method: str, fallback: Callable[..., Any], *args: Any) -> Any:
        pool = self._current_pool()
        if pool is None:
            return fallback(*args)
        try:
            return pool.submit(_in_child, method, *args).result()
        except BrokenProcessPool:
            _log.warning("the monitoring figure process died; it is restarted")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            return fallback(*args)

    def _current_pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._closed:
                return None
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child,
                    initargs=self._start_args,
                )
            return self._pool

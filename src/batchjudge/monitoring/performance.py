"""Performance figures: grading time, queue wait, success and error rates, API latency.

All but the API latency read the submissions that finished in the window, through the
rollup. Means cover the whole window; percentiles cover its most recent `SAMPLE`
submissions, which bounds their cost (exact for windows with fewer).
"""

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from typing_extensions import TypedDict

from batchjudge.db.figures import SubmissionFigures as Figures
from batchjudge.db.submissions import SubmissionStatus
from batchjudge.monitoring.percentiles import sql_percentiles
from batchjudge.monitoring.windows import Window

#: Percentiles are taken over at most this many of the window's latest submissions.
SAMPLE = 10_000
#: Per route: `count`, `p50`, `p95`, `p99` in seconds (RequestTimings.snapshot()).
LatencySource = Callable[[], Mapping[str, Mapping[str, float]]]


class Durations(TypedDict):
    """Seconds: the window's mean, and percentiles of its latest submissions."""

    mean: float
    p50: float
    p95: float
    samples: int


class ErrorCounts(TypedDict):
    """Finished submissions that went wrong, by cause; one submission can have several
    causes and counts once in `total`."""

    failed: int
    internal_error: int
    backend_error: int
    total: int


class PerformanceFigures(TypedDict):
    """Everything the performance endpoint answers."""

    window: dict[str, str | None]
    finished: int
    grading_time: Durations
    queue_wait: Durations
    success_rate: float
    error_rate: float
    errors: ErrorCounts
    api_latency: dict[str, dict[str, float]]


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _durations(
    session: Session,
    window: Window,
    seconds: InstrumentedAttribute[float | None],
    mean: float | None,
    samples: int,
) -> Durations:
    latest = (
        select(seconds)
        .where(*window.bounds(Figures.finished_at), seconds.is_not(None))
        .order_by(Figures.finished_at.desc())
        .limit(SAMPLE)
    )
    cuts = sql_percentiles(session, latest)
    return Durations(
        mean=round(mean or 0.0, 3),
        p50=round(cuts[50], 3),
        p95=round(cuts[95], 3),
        samples=min(samples, SAMPLE),
    )


def _totals(session: Session, window: Window) -> list[Any]:
    """Finished, succeeded, failed, internal, backend, any error; grading and queue
    seconds' means and counts."""
    done = Figures.status == SubmissionStatus.DONE.value
    failed = Figures.status == SubmissionStatus.FAILED.value
    internal = done & Figures.internal_error.is_(True)
    backend = Figures.backend_error.is_(True)
    row = session.execute(
        select(
            func.count(),
            _count(done & Figures.internal_error.is_(False)),
            _count(failed),
            _count(internal),
            _count(backend),
            _count(failed | internal | backend),
            func.avg(Figures.grading_s),
            func.count(Figures.grading_s),
            func.avg(Figures.queue_s),
            func.count(Figures.queue_s),
        ).where(*window.bounds(Figures.finished_at))
    ).one()
    return list(row)


def compute_performance(session: Session, window: Window) -> PerformanceFigures:
    """The performance figures of `window`, with `api_latency` empty: the latencies
    belong to the serving process, which fills them in (`with_latencies`).

    Grading time runs from a submission's start to its finish, queue wait from its
    creation to its (last) start. `error_rate` is the share of finished submissions that
    failed, have an IE, or met a backend error; `success_rate` the share graded without IE.
    """
    totals = _totals(session, window)
    finished, succeeded, failed, internal, backend, wrong = (int(v) for v in totals[:6])
    grading_mean, graded, waiting_mean, waited = totals[6:]
    errors = ErrorCounts(failed=failed, internal_error=internal, backend_error=backend, total=wrong)
    return PerformanceFigures(
        window=window.describe(),
        finished=finished,
        grading_time=_durations(session, window, Figures.grading_s, grading_mean, int(graded)),
        queue_wait=_durations(session, window, Figures.queue_s, waiting_mean, int(waited)),
        success_rate=_rate(succeeded, finished),
        error_rate=_rate(wrong, finished),
        errors=errors,
        api_latency={},
    )


def with_latencies(figures: PerformanceFigures, latencies: LatencySource) -> PerformanceFigures:
    """`figures` with `api_latency` taken from `latencies` now."""
    snapshot = latencies()
    return {**figures, "api_latency": {route: dict(f) for route, f in snapshot.items()}}

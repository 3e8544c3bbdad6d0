"""Monitoring series: the efficiency and grading-time figures of a window, bucket by
bucket, for the dashboard's charts.

Buckets are aligned to whole multiples of their length since the Unix epoch (UTC): hours
for 24h, 6 hours (00:00, 06:00, 12:00, 18:00 UTC) for 7d, days (UTC midnight) for 30d.
They run from the bucket holding the window's start to the one holding its end, so the
first and the last are usually partial, and together they count exactly the submissions
of the window (the same rows as `efficiency` and `performance`). A submission belongs to
the bucket in which it finished, to the whole second.

Everything is bucketed by the database, from the rollup (`submission_figures`): one
grouped query for the counts, and one that ranks grading times within each bucket for
the nearest-rank percentiles. Neither returns more than a few rows per bucket.
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Integer, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from typing_extensions import TypedDict

from batchjudge.db.figures import SubmissionFigures as Figures
from batchjudge.monitoring.percentiles import PERCENTS, nearest_rank
from batchjudge.monitoring.windows import Window, WindowName


class SeriesWindow(StrEnum):
    """The windows a series is offered for (`?window=`)."""

    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def window_name(self) -> WindowName:
        """The metrics window of the same name."""
        return WindowName(self.value)

    @property
    def bucket(self) -> timedelta:
        """How long one bucket is."""
        return BUCKETS[self]


BUCKETS = {
    SeriesWindow.DAY: timedelta(hours=1),
    SeriesWindow.WEEK: timedelta(hours=6),
    SeriesWindow.MONTH: timedelta(days=1),
}


class Percentiles(TypedDict):
    """Grading seconds in one bucket: nearest-rank p50 and p95 (null without samples)."""

    p50: float | None
    p95: float | None
    samples: int


class Bucket(TypedDict):
    """The submissions that finished in [start, end)."""

    start: str
    end: str
    submissions: int
    tests: int
    run_executions: int
    calls_saved: int
    #: Tests per run execution, pooled over the bucket; null without a run execution.
    efficiency_gain: float | None
    grading_time: Percentiles


class SeriesFigures(TypedDict):
    """Everything the series endpoint answers."""

    window: dict[str, str | None]
    bucket_s: int
    buckets: list[Bucket]


class EpochSeconds(FunctionElement[int]):
    """Whole seconds since the Unix epoch (UTC) of a timestamp column, rounded down."""

    type = Integer()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(EpochSeconds)
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as text; strftime('%s') reads them as UTC.
    (column,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


@compiles(EpochSeconds, "postgresql")
def _epoch_postgresql(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp() // 1)


def _constant(value: int) -> ColumnElement[int]:
    return literal_column(str(int(value)), Integer())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def compute_series(session: Session, window: Window, bucket: timedelta) -> SeriesFigures:
    """The buckets of `bucket` length that cover `window` (which must have a start).

    Raises:
        ValueError: `window` has no start (`all`), or `bucket` is not whole seconds.
    """
    if window.start is None:
        raise ValueError("a series needs a window with a start")
    step = int(bucket.total_seconds())
    if step <= 0 or step != bucket.total_seconds():
        raise ValueError("a bucket must be a positive number of whole seconds")
    first = _epoch(window.start) // step
    last = _epoch(window.end) // step
    origin = first * step
    # Constants rendered inline: PostgreSQL matches the GROUP BY expression to the
    # selected one only when they are the same text, which bound parameters are not.
    index = (EpochSeconds(Figures.finished_at) - _constant(origin)) // _constant(step)
    counts = _counts(session, window, index)
    cuts = _percentiles(session, window, index)
    buckets = []
    for position in range(last - first + 1):
        submissions, tests, runs = counts.get(position, (0, 0, 0))
        p50, p95, samples = cuts.get(position, (None, None, 0))
        begins = origin + position * step
        buckets.append(
            Bucket(
                start=_moment(begins).isoformat(),
                end=_moment(begins + step).isoformat(),
                submissions=submissions,
                tests=tests,
                run_executions=runs,
                calls_saved=tests - runs,
                efficiency_gain=round(tests / runs, 3) if runs else None,
                grading_time=Percentiles(p50=p50, p95=p95, samples=samples),
            )
        )
    return SeriesFigures(window=window.describe(), bucket_s=step, buckets=buckets)


def _counts(
    session: Session, window: Window, index: ColumnElement[int]
) -> dict[int, tuple[int, int, int]]:
    """Per bucket index: finished submissions, their tests and run executions."""
    bucket = index.label("bucket")
    rows: list[Any] = list(
        session.execute(
            select(bucket, func.count(), func.sum(Figures.tests), func.sum(Figures.runs))
            .where(*window.bounds(Figures.finished_at))
            .group_by(bucket)
        )
    )
    return {int(b): (int(n), int(t or 0), int(r or 0)) for b, n, t, r in rows}


def _percentiles(
    session: Session, window: Window, index: ColumnElement[int]
) -> dict[int, tuple[float, float, int]]:
    """Per bucket index: the nearest-rank p50 and p95 of grading seconds, and how many
    there were; only the rows at those ranks leave the database."""
    bucket = index.label("bucket")
    ranked = (
        select(
            bucket,
            Figures.grading_s.label("v"),
            func.row_number().over(partition_by=index, order_by=Figures.grading_s).label("rn"),
            func.count().over(partition_by=index).label("n"),
        )
        .where(*window.bounds(Figures.finished_at), Figures.grading_s.is_not(None))
        .subquery()
    )
    # (n * p + 99) // 100 is ceil(n * p / 100) in integer arithmetic, on both dialects.
    wanted = or_(*(ranked.c.rn == (ranked.c.n * p + 99) // 100 for p in PERCENTS))
    rows: list[Any] = list(
        session.execute(select(ranked.c.bucket, ranked.c.rn, ranked.c.n, ranked.c.v).where(wanted))
    )
    by_bucket: dict[int, dict[int, float]] = {}
    sizes: dict[int, int] = {}
    for b, rn, n, v in rows:
        by_bucket.setdefault(int(b), {})[int(rn)] = float(v)
        sizes[int(b)] = int(n)
    found = {}
    for b, values in by_bucket.items():
        n = sizes[b]
        p50, p95 = (round(values[nearest_rank(n, p)], 3) for p in PERCENTS)
        found[b] = (p50, p95, n)
    return found

"""Efficiency figures: tests graded against the executions and remote calls they cost.

A submission belongs to a window when it finished in it; its tests (result rows) and its
executions count with it, so `calls_saved` compares like with like. Read from the rollup
(`submission_figures`), which holds those counts per submission.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from batchjudge.db.figures import SubmissionFigures as Figures
from batchjudge.monitoring.percentiles import weighted_percentiles
from batchjudge.monitoring.sql_expressions import Unindexed
from batchjudge.monitoring.windows import Window

#: Lower bounds of the efficiency-gain histogram buckets, in tests per run execution.
GAIN_BUCKETS = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)


class GainBucket(TypedDict):
    """Submissions whose tests per run execution fall in [low, high) (no high: open)."""

    low: float
    high: float | None
    submissions: int


class GainFigures(TypedDict):
    """Tests per run execution: per-submission mean and median, the pooled ratio (all tests
    over all runs), and the histogram; submissions without a run execution are left out."""

    mean: float
    p50: float
    pooled: float
    submissions: int
    distribution: list[GainBucket]


class SplitFigures(TypedDict):
    """One group of a split (a backend, a language, a mode or a problem)."""

    submissions: int
    tests: int
    run_executions: int
    calls_saved: int
    efficiency_gain: float


class RemoteCalls(TypedDict):
    """Billed requests to remote backends, by kind; `create` ran tests."""

    total: int
    create: int
    poll: int
    retry: int
    discover: int


class EfficiencyFigures(TypedDict):
    """Everything the efficiency endpoint answers."""

    window: dict[str, str | None]
    submissions: int
    tests: int
    run_executions: int
    remote_calls: RemoteCalls
    calls_saved: int
    efficiency_gain: GainFigures
    by_backend: dict[str, SplitFigures]
    by_language: dict[str, SplitFigures]
    by_mode: dict[str, SplitFigures]
    by_problem: dict[str, SplitFigures]
    price_per_remote_call: float
    estimated_cost_saved: float
    currency: str


def _split(rows: Iterable[tuple[str, int, int, int]]) -> dict[str, SplitFigures]:
    groups: dict[str, list[int]] = {}
    for key, submissions, tests, runs in rows:
        totals = groups.setdefault(key, [0, 0, 0])
        totals[0] += submissions
        totals[1] += tests
        totals[2] += runs
    return {
        key: SplitFigures(
            submissions=submissions,
            tests=tests,
            run_executions=runs,
            calls_saved=tests - runs,
            efficiency_gain=_ratio(tests, runs),
        )
        for key, (submissions, tests, runs) in sorted(groups.items())
    }


def _ratio(tests: int, runs: int) -> float:
    return round(tests / runs, 3) if runs else 0.0


def _gain(pairs: list[tuple[int, int, int]], tests: int, runs: int) -> GainFigures:
    """Gain figures from (tests, runs, submissions) groups."""
    counts: dict[float, int] = {}
    for group_tests, group_runs, n in pairs:
        if group_runs > 0:
            gain = group_tests / group_runs
            counts[gain] = counts.get(gain, 0) + n
    measured = sum(counts.values())
    mean = sum(g * n for g, n in counts.items()) / measured if measured else 0.0
    buckets = []
    for index, low in enumerate(GAIN_BUCKETS):
        high = GAIN_BUCKETS[index + 1] if index + 1 < len(GAIN_BUCKETS) else None
        inside = sum(n for g, n in counts.items() if g >= low and (high is None or g < high))
        buckets.append(GainBucket(low=low, high=high, submissions=inside))
    return GainFigures(
        mean=round(mean, 3),
        p50=round(weighted_percentiles(counts, (50,))[50], 3),
        pooled=_ratio(tests, runs),
        submissions=measured,
        distribution=buckets,
    )


def compute_efficiency(
    session: Session, window: Window, price_per_remote_call: float
) -> EfficiencyFigures:
    """The efficiency figures of `window`.

    `estimated_cost_saved` is `calls_saved` times `price_per_remote_call`: what the
    executions batching saved would have cost as remote calls, in the price's currency.
    """
    # Each query is answered by a full scan of its covering index, in group order: for
    # large windows far faster than a range over finished_at and a visit to every row.
    in_window = window.bounds(Unindexed(Figures.finished_at))
    keys = (Figures.backend, Figures.language, Figures.mode, Figures.problem_id)
    sums = [func.count(), func.sum(Figures.tests), func.sum(Figures.runs)]
    remote = (Figures.remote_create, Figures.remote_poll, Figures.remote_retry)
    sums += [func.sum(column) for column in (*remote, Figures.remote_discover)]
    grouped: list[Any] = list(
        session.execute(select(*keys, *sums).where(*in_window).group_by(*keys))
    )
    groups = [
        (str(backend), str(language), str(mode), int(problem), int(n), int(t), int(r))
        for backend, language, mode, problem, n, t, r, *_ in grouped
    ]
    calls = [sum(int(row[7 + kind]) for row in grouped) for kind in range(4)]
    by_size: list[Any] = list(
        session.execute(
            select(Figures.tests, Figures.runs, func.count())
            .where(*in_window)
            .group_by(Figures.tests, Figures.runs)
        )
    )
    pairs = [(int(t), int(r), int(n)) for t, r, n in by_size]
    submissions = sum(g[4] for g in groups)
    tests = sum(g[5] for g in groups)
    runs = sum(g[6] for g in groups)
    saved = tests - runs
    return EfficiencyFigures(
        window=window.describe(),
        submissions=submissions,
        tests=tests,
        run_executions=runs,
        remote_calls=RemoteCalls(
            total=sum(calls),
            create=calls[0],
            poll=calls[1],
            retry=calls[2],
            discover=calls[3],
        ),
        calls_saved=saved,
        efficiency_gain=_gain(pairs, tests, runs),
        by_backend=_split((g[0], *g[4:]) for g in groups),
        by_language=_split((g[1], *g[4:]) for g in groups),
        by_mode=_split((g[2], *g[4:]) for g in groups),
        by_problem=_split((str(g[3]), *g[4:]) for g in groups),
        price_per_remote_call=price_per_remote_call,
        estimated_cost_saved=round(saved * price_per_remote_call, 6),
        currency="same as price_per_remote_call",
    )

"""Nearest-rank percentiles, over weighted values in memory or a column in SQL.

The p-th percentile of n sorted values is the value at rank ceil(p * n / 100) (1-based):
always one of the values, so a figure can be checked by hand.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

#: Percentiles reported for durations.
PERCENTS = (50, 95)


def nearest_rank(count: int, percent: int) -> int:
    """The 1-based rank of the `percent`-th percentile among `count` values."""
    return max(1, -(-percent * count // 100))


def weighted_percentiles(
    counts: Mapping[float, int], percents: Iterable[int] = PERCENTS
) -> dict[int, float]:
    """Percentiles of values given as {value: how many times}; 0.0 when there are none."""
    ordered = sorted((value, n) for value, n in counts.items() if n > 0)
    total = sum(n for _, n in ordered)
    found: dict[int, float] = {}
    for percent in percents:
        if total == 0:
            found[percent] = 0.0
            continue
        rank, seen = nearest_rank(total, percent), 0
        for value, n in ordered:
            seen += n
            if seen >= rank:
                found[percent] = value
                break
    return found


def sql_percentiles(
    session: Session, values: Select[Any], percents: Iterable[int] = PERCENTS
) -> dict[int, float]:
    """Percentiles of the one column `values` selects (NULLs skipped), ranked by the
    database; 0.0 when there are none. Bound `values` with a LIMIT for large tables."""
    column = values.subquery().c[0]
    ranked = (
        select(
            column.label("v"),
            func.row_number().over(order_by=column).label("rn"),
            func.count().over().label("n"),
        )
        .where(column.is_not(None))
        .subquery()
    )
    wanted = list(percents)
    # (n * p + 99) // 100 is ceil(n * p / 100) in integer arithmetic, on both dialects.
    rows: list[Any] = list(
        session.execute(
            select(ranked.c.rn, ranked.c.n, ranked.c.v).where(
                or_(*(ranked.c.rn == (ranked.c.n * p + 99) // 100 for p in wanted))
            )
        )
    )
    by_rank = {int(rn): float(v) for rn, _, v in rows}
    total = int(rows[0][1]) if rows else 0
    return {p: by_rank.get(nearest_rank(total, p), 0.0) if total else 0.0 for p in wanted}

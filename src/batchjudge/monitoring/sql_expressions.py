"""Dialect-specific SQL the figures need: a duration in seconds between two timestamps,
and a column hidden from SQLite's choice of index.

SQLite stores timestamps as text, so durations go through `julianday` (millisecond
precision); PostgreSQL subtracts timestamps and takes the interval's epoch.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class SecondsBetween(FunctionElement[float]):
    """Seconds from `earlier` to `later` (negative when `later` is earlier)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


class Unindexed(FunctionElement[Any]):
    """The column's value, which SQLite may not look up through an index (`+column`):
    for a query that a covering index answers by a full scan faster than a range does."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: ColumnElement[Any] | Any) -> None:
        super().__init__(column)
        self.type = column.type  # bound values are converted as the column's own


def seconds_between(
    later: ColumnElement[datetime | None] | Any, earlier: ColumnElement[datetime | None] | Any
) -> SecondsBetween:
    """The SQL expression for `later - earlier` in seconds (NULL if either is NULL)."""
    return SecondsBetween(later, earlier)


def _operands(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(SecondsBetween)
def _seconds_julianday(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _operands(element, compiler, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(SecondsBetween, "postgresql")
def _seconds_epoch(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _operands(element, compiler, **kw)
    # EXTRACT gives NUMERIC on PostgreSQL 14+: cast, so the driver returns a float.
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(Unindexed)
def _unindexed_plain(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = _operands(element, compiler, **kw)
    return column


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = _operands(element, compiler, **kw)
    return f"+{column}"  # a no-op that SQLite's planner does not match to an index

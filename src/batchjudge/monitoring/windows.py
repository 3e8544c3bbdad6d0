"""Metrics windows: the time span a figure covers, and where a reset moves its start."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from batchjudge.db.monitoring import MetricsReset


class WindowName(StrEnum):
    """The windows the API offers (`?window=`); `all` ignores resets."""

    HOUR = "1h"
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"
    ALL = "all"


DEFAULT_WINDOW = WindowName.DAY

#: How far back each named window reaches; `all` has no start.
SPANS: dict[WindowName, timedelta | None] = {
    WindowName.HOUR: timedelta(hours=1),
    WindowName.DAY: timedelta(hours=24),
    WindowName.WEEK: timedelta(days=7),
    WindowName.MONTH: timedelta(days=30),
    WindowName.ALL: None,
}


@dataclass(frozen=True)
class Window:
    """The rows a figure reads: timestamps in `[start, end]`, no lower bound if `start` is
    None. `name` is set for the API's named windows (it keys the figure cache); a window
    built by hand (an alert rule's 15 minutes) leaves it None and is never cached."""

    start: datetime | None
    end: datetime
    name: str | None = None

    def bounds(
        self, column: QueryableAttribute[Any] | ColumnElement[Any]
    ) -> list[ColumnElement[bool]]:
        """SQL conditions placing `column` inside the window."""
        conditions = [column <= self.end]
        if self.start is not None:
            conditions.append(column >= self.start)
        return conditions

    def describe(self) -> dict[str, str | None]:
        """The window as the API shows it."""
        return {
            "name": self.name,
            "start": self.start.isoformat() if self.start is not None else None,
            "end": self.end.isoformat(),
        }


def fetch_latest_reset(session: Session) -> datetime | None:
    """When the metrics were last reset, if ever."""
    return session.scalar(select(func.max(MetricsReset.reset_at)))


def resolve_window(name: WindowName, now: datetime, latest_reset: datetime | None) -> Window:
    """The named window ending `now`: it starts at `now - span`, or at the latest reset when
    that is later. `all` starts nowhere, so it still sees everything a reset hid."""
    span = SPANS[name]
    if span is None:
        return Window(None, now, name.value)
    start = now - span
    if latest_reset is not None and latest_reset > start:
        start = min(latest_reset, now)
    return Window(start, now, name.value)

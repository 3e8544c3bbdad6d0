"""The time source of the Judge0 backend: monotonic seconds, UTC now, and sleeping."""

import asyncio
import time
from datetime import UTC, datetime


class Clock:
    """Real time; tests pass a subclass that moves virtual time instead of waiting."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for durations."""
        return time.monotonic()

    def now(self) -> datetime:
        """The current UTC time, for key-pool bookkeeping."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (nothing when not positive)."""
        await asyncio.sleep(max(seconds, 0.0))

"""A short-lived cache of computed figures, so a burst of dashboard requests costs one
computation and, once a figure has been computed, no request waits for the next one.

- A value is fresh for `ttl_s` seconds after it was computed.
- A key with no usable value is computed by one caller at a time; callers that arrive
  meanwhile wait for that result (a 50-request burst on a cold cache runs the SQL once).
- A key whose value went stale less than `stale_s` seconds ago is recomputed by the
  first caller of `get_or_compute`, who waits for it; callers that arrive meanwhile get
  the stale value at once. `lookup` lets a caller take the stale value and have the
  value recomputed after answering (the API does). Either way a figure served is at most
  `ttl_s` old plus one computation while requests keep coming; after a quiet spell
  longer than `stale_s`, the caller waits.
- `clear` forgets everything (a metrics reset): the next callers wait for new values.

The cache is per process: another replica may serve its own values for up to as long.
"""

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar, cast

T = TypeVar("T")

#: How long after going stale a value may still be served while it is being recomputed.
DEFAULT_STALE_S = 60.0


@dataclass(frozen=True)
class Cached:
    """A usable cached value: fresh, or stale and due for a recomputation (`due`: stale
    and nobody recomputing it)."""

    value: object
    fresh: bool
    due: bool


class FigureCache:
    """Thread-safe, time-limited memo of figures by key."""

    def __init__(
        self,
        ttl_s: float,
        stale_s: float = DEFAULT_STALE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._stale_s = stale_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._generation = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of `key` while fresh, else `compute()`'s (see the module)."""
        if self._ttl_s <= 0:
            return compute()
        age, value = self._aged(key)
        if age < self._ttl_s:
            return cast(T, value)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        if age < self._ttl_s + self._stale_s and not key_lock.acquire(blocking=False):
            return cast(T, value)  # another caller is recomputing it
        if age >= self._ttl_s + self._stale_s:
            key_lock.acquire()
        try:
            age, value = self._aged(key)  # computed by the caller we waited for?
            if age < self._ttl_s:
                return cast(T, value)
            return self._compute(key, compute)
        finally:
            key_lock.release()

    def lookup(self, key: Hashable) -> Cached | None:
        """The value of `key` if fresh or stale for less than `stale_s`, else None; never
        computes, never waits."""
        age, value = self._aged(key)
        if age < self._ttl_s:
            return Cached(value, fresh=True, due=False)
        if age >= self._ttl_s + self._stale_s:
            return None
        with self._lock:
            key_lock = self._key_locks.get(key)
        recomputing = key_lock is not None and key_lock.locked()
        return Cached(value, fresh=False, due=not recomputing)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def _aged(self, key: Hashable) -> tuple[float, object]:
        """(seconds since `key` was computed, its value); infinitely old when absent."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return float("inf"), None
        return self._clock() - entry[0], entry[1]

    def _compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            generation = self._generation
        started = self._clock()
        value = compute()
        with self._lock:
            # A clear() while computing means the value may predate it: don't keep it.
            if generation == self._generation:
                self._entries[key] = (started, value)
        return value

"""RecentTokens: API tokens that authenticated a moment ago, so that the dashboards polling
the monitoring figures skip the database read of each request's token.

Authentication costs a database read in a worker thread, about 1.5 ms a request on our
2-core reference box, which alone puts 50 concurrent requests past the figures' 100 ms
target. A token that authenticated within the last `ttl_s` seconds is trusted again for
that long: a revocation or a role change made elsewhere reaches these endpoints up to
`ttl_s` late (the admin API clears the memo itself).

Once an entry is half its lifetime old, the next lookup is told to authenticate again,
and only that one: the others keep the entry until it is renewed. Without that, every
request of a crowd arriving as the entry expires would read the database at once, and
the crowd would wait behind fifty reads.

Only successes are remembered (an invalid token always reaches the database), tokens are
kept by their SHA-256, and the memo is bounded.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from batchjudge.db.accounts import User
from batchjudge.services.accounts import hash_token

DEFAULT_TTL_S = 2.0
DEFAULT_MAX_ENTRIES = 1024


@dataclass
class _Entry:
    expires_at: float
    renew_at: float
    user: User
    renewing: bool = False


@dataclass(frozen=True)
class Remembered:
    """A remembered token's user; `renew`: this caller should authenticate again (and
    `remember` the result, or `forget` the token if that fails)."""

    user: User
    renew: bool


class RecentTokens:
    """A thread-safe, time-limited memo of token (by hash) → the detached user it had."""

    def __init__(
        self,
        ttl_s: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def lookup(self, token: str) -> Remembered | None:
        """The user `token` authenticated as within `ttl_s` seconds, else None."""
        key = hash_token(token)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires_at <= now:
                del self._entries[key]
                return None
            renew = now >= entry.renew_at and not entry.renewing
            entry.renewing = entry.renewing or renew
            return Remembered(entry.user, renew)

    def remember(self, token: str, user: User) -> None:
        """Note that `token` just authenticated as `user` (a detached instance)."""
        key = hash_token(token)
        now = self._clock()
        with self._lock:
            self._entries[key] = _Entry(now + self._ttl_s, now + self._ttl_s / 2, user)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def forget(self, token: str) -> None:
        """Trust `token` no more (it failed to authenticate)."""
        with self._lock:
            self._entries.pop(hash_token(token), None)

    def forget_all(self) -> None:
        """Trust no remembered token any more."""
        with self._lock:
            self._entries.clear()

"""Rate limits: submissions per user and requests per IP address, counted in moving
windows by the `limits` library, in Redis when one is configured (so every server
process shares the counts) and in this process's memory otherwise.

The same counters serve the abuse signals (`reached`): how many refusals or violations
one user caused within a window.

A counter store that fails (Redis down) lets requests through, with a warning: losing
the limits for a while is better than refusing every submission.
"""

import logging
import time
from collections.abc import Sequence

from limits import RateLimitItem, RateLimitItemPerSecond, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from batchjudge.domain.errors import ConfigError, RateLimitedError
from batchjudge.settings import Settings

_log = logging.getLogger(__name__)

#: The settings holding limit strings, by field name, for messages.
LIMIT_SETTINGS = ("rate_limit_submissions", "rate_limit_staff_submissions", "rate_limit_anonymous")


def parse_limits(name: str, value: str) -> list[RateLimitItem]:
    """`value` (`10/minute`, `5/second; 100/hour`) as limits; ConfigError naming the
    variable when it is not in the `limits` notation."""
    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if not items:
        variable = f"BATCHJUDGE_{name.upper()}"
        raise ConfigError(
            f"{variable}={value!r} is not a rate limit: write it as `10/minute` "
            "(several separated by `;`)"
        )
    return items


def build_storage(redis_url: str | None) -> Storage:
    """Redis when a URL is given, else memory; a bad URL is a ConfigError."""
    if redis_url is None:
        return MemoryStorage(wrap_exceptions=True)
    try:
        storage = storage_from_string(redis_url, wrap_exceptions=True)
    except ConfigurationError as exc:
        raise ConfigError(f"BATCHJUDGE_REDIS_URL is not usable: {exc}") from exc
    # An `async+` scheme (the callers are not async), or a store without moving windows.
    if not isinstance(storage, Storage) or not isinstance(storage, MovingWindowSupport):
        raise ConfigError("BATCHJUDGE_REDIS_URL must be a redis:// (or rediss://) URL")
    return storage


def _window(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    count = item.multiples
    return f"{count} {unit}s" if count != 1 else unit


class RateLimits:
    """The service's rate limits; built once by the app's lifespan, shared by threads."""

    def __init__(
        self,
        storage: Storage,
        submissions: Sequence[RateLimitItem],
        anonymous: Sequence[RateLimitItem],
        prefix: str = "batchjudge",
        staff_submissions: Sequence[RateLimitItem] | None = None,
    ) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._submissions = list(submissions)
        self._staff_submissions = list(staff_submissions or submissions)
        self._anonymous = list(anonymous)
        self._prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        """The limits the settings describe; ConfigError naming a bad variable."""
        return cls(
            build_storage(settings.redis_url),
            parse_limits("rate_limit_submissions", settings.rate_limit_submissions),
            parse_limits("rate_limit_anonymous", settings.rate_limit_anonymous),
            settings.rate_limit_prefix,
            parse_limits("rate_limit_staff_submissions", settings.rate_limit_staff_submissions),
        )

    def check_submissions(self, user_id: int, cost: int = 1, *, staff: bool = False) -> None:
        """Count `cost` submissions by the user (a teacher or admin when `staff`: their
        own, higher limit); RateLimitedError (nothing counted) when that would go over."""
        items = self._staff_submissions if staff else self._submissions
        self._check(items, "submissions", str(user_id), cost, "submissions")

    def check_anonymous(self, address: str) -> None:
        """Count one request from an address that sent no credentials."""
        self._check(
            self._anonymous, "anonymous", address or "unknown", 1, "requests from your address"
        )

    def reached(self, kind: str, identifier: str, threshold: int, window_s: float) -> bool:
        """Count one event; True when it is the `threshold`-th within the last `window_s`
        seconds, and then start counting afresh."""
        item = RateLimitItemPerSecond(threshold, max(1, round(window_s)))
        keys = (self._prefix, kind, identifier)
        try:
            self._limiter.hit(item, *keys)
            if self._limiter.get_window_stats(item, *keys).remaining > 0:
                return False
            self._limiter.clear(item, *keys)
        except StorageError as exc:
            _log.warning("the rate-limit store failed (%s); %s is not counted", exc, kind)
            return False
        return True

    def _check(
        self, items: list[RateLimitItem], kind: str, identifier: str, cost: int, what: str
    ) -> None:
        keys = (self._prefix, kind, identifier)
        try:
            for item in items:
                if cost > item.amount:
                    raise RateLimitedError(
                        f"{cost} {what} at once are more than the {item.amount} per "
                        f"{_window(item)} allowed; send fewer at a time",
                        float(item.get_expiry()),
                    )
                if not self._limiter.test(item, *keys, cost=cost):
                    raise self._refusal(item, keys, what)
            for item in items:
                if not self._limiter.hit(item, *keys, cost=cost):
                    raise self._refusal(item, keys, what)  # another process got there first
        except StorageError as exc:
            _log.warning("the rate-limit store failed (%s); the request is let through", exc)

    def _refusal(self, item: RateLimitItem, keys: tuple[str, ...], what: str) -> RateLimitedError:
        reset_at = self._limiter.get_window_stats(item, *keys).reset_time
        wait_s = max(1.0, reset_at - time.time())
        return RateLimitedError(
            f"too many {what}: at most {item.amount} per {_window(item)}; "
            f"try again in {wait_s:.0f} s",
            wait_s,
        )

    def is_reachable(self) -> bool:
        """Whether the counter store answers (Redis is up; memory always is)."""
        try:
            return bool(self._storage.check())
        except StorageError:
            return False

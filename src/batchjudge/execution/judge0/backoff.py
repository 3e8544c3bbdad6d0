"""How long to wait before repeating a request: Retry-After, rate-limit resets, back-off."""

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

#: Longest wait spent in place before repeating a request; a longer Retry-After is capped.
MAX_INLINE_WAIT_S = 30.0
#: How long a key rests after a 429 that says nothing about when to come back.
DEFAULT_REST_S = 60.0
#: A reset header above this many seconds is a Unix timestamp, not a countdown.
_EPOCH_THRESHOLD = 1_000_000_000
_BASE_DELAY_S = 0.5
_MAX_DELAY_S = 8.0


def retry_after_s(response: httpx.Response, now: datetime) -> float | None:
    """Seconds the server asked us to wait (`Retry-After`: seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max((moment - now).total_seconds(), 0.0)


def rate_limit_reset_s(response: httpx.Response, now: datetime) -> float | None:
    """Seconds until a RapidAPI-style quota resets (`x-ratelimit-*-reset`), if said."""
    for name in ("x-ratelimit-requests-reset", "x-ratelimit-reset"):
        value = response.headers.get(name, "").strip()
        try:
            number = float(value)
        except ValueError:
            continue
        if number >= _EPOCH_THRESHOLD:
            return max(number - now.timestamp(), 0.0)
        return max(number, 0.0)
    return None


def rest_until(response: httpx.Response, now: datetime) -> datetime:
    """Until when a key that got this 429 must not be used."""
    wait = retry_after_s(response, now)
    if wait is None:
        wait = rate_limit_reset_s(response, now)
    return now + timedelta(seconds=DEFAULT_REST_S if wait is None else wait)


def remaining_quota(response: httpx.Response) -> int | None:
    """The provider's count of requests left on this key (`x-ratelimit-requests-remaining`)."""
    try:
        return int(response.headers.get("x-ratelimit-requests-remaining", ""))
    except ValueError:
        return None


def backoff_s(failures: int, rng: random.Random) -> float:
    """Jittered exponential delay before attempt `failures + 1` (0.25 s to 8 s)."""
    delay = min(_BASE_DELAY_S * 2.0 ** max(failures - 1, 0), _MAX_DELAY_S)
    return delay * rng.uniform(0.5, 1.0)

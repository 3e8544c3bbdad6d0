"""Judge0Client: HTTP to a Judge0 server with authentication, retries and call recording.

Every request that leaves this process is appended to the caller's `calls` list, failed
ones as `retry`, because providers bill each one. Keys come from a `KeyPool` and never
appear in a log line or an exception, except masked.
"""

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

import httpx

from batchjudge.execution.judge0.backoff import (
    MAX_INLINE_WAIT_S,
    backoff_s,
    remaining_quota,
    rest_until,
    retry_after_s,
)
from batchjudge.execution.judge0.clock import Clock
from batchjudge.execution.judge0.errors import Judge0Error, Judge0UnavailableError
from batchjudge.execution.outcome import RemoteCall
from batchjudge.judge0.key_pool import KeyLease, KeyPool
from batchjudge.judge0.keys import mask
from batchjudge.settings import Judge0Auth

_log = logging.getLogger(__name__)

#: Hard bound on requests per operation, whatever a misbehaving pool or server does.
_MAX_ATTEMPTS = 32
_ERROR_TEXT = 300


@dataclass(frozen=True)
class Judge0Endpoint:
    """Where the server is and how to talk to it.

    Attributes:
        base_url: the server's root (`http://host:2358`, `https://judge0-ce.p.rapidapi.com`,
            `https://other-batchjudge/judge0`).
        auth: which headers carry the key.
        rapidapi_host: the `X-RapidAPI-Host` value (RapidAPI only).
        timeout_s: the longest one request may take, answer included.
        max_retries: repeats of a request that timed out, failed to connect or got a 5xx.
    """

    base_url: str
    auth: Judge0Auth
    rapidapi_host: str
    timeout_s: float
    max_retries: int


@dataclass
class _Attempts:
    failures: int = 0
    key_waits: int = 0


class Judge0Client:
    """Sends requests to one Judge0 server; see the module docstring for the rules."""

    def __init__(
        self,
        endpoint: Judge0Endpoint,
        pool: KeyPool,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._pool = pool
        self._clock = clock or Clock()
        self._rng = rng or random.Random()
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url,
            timeout=httpx.Timeout(endpoint.timeout_s),
            transport=transport,
            headers={"Accept": "application/json"},
        )

    @property
    def clock(self) -> Clock:
        """The time source shared with the backend's poller."""
        return self._clock

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        kind: str,
        calls: list[RemoteCall],
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> object:
        """Send one request, repeating it as the failure handling says; return its JSON.

        Args:
            kind: how the successful request is recorded (`create`, `poll`, `discover`).
            calls: where every request made is appended.

        Raises:
            Judge0Error: a 4xx, malformed JSON, or 5xx/timeouts beyond `max_retries`.
            Judge0UnavailableError: the server cannot be reached, or every key is spent.
        """
        attempts = _Attempts()
        what = f"{method} {path}"
        for _ in range(_MAX_ATTEMPTS):
            lease = await self._lease(attempts, calls)
            started = self._clock.monotonic()
            response, failure = await self._send(method, path, lease, params, body)
            duration = self._clock.monotonic() - started
            if response is None:
                await self._after_failure(what, kind, failure, duration, attempts, calls, None)
                continue
            now = self._clock.now()
            status = response.status_code
            if status == httpx.codes.TOO_MANY_REQUESTS:
                calls.append(RemoteCall("retry", duration, str(status)))
                until = rest_until(response, now)
                self._pool.mark_exhausted(lease, until)
                _log.warning("Judge0 key %s is rate-limited until %s", _shown(lease), until)
                continue
            self._pool.record_use(lease, remaining_quota(response), now)
            if status >= httpx.codes.INTERNAL_SERVER_ERROR:
                failure = f"{status} {_error_text(response)}"
                await self._after_failure(what, kind, failure, duration, attempts, calls, response)
                continue
            calls.append(RemoteCall(kind, duration, str(status)))
            if status >= httpx.codes.BAD_REQUEST:
                raise Judge0Error(self._refusal(what, lease, response), tuple(calls))
            return _json(response, what, calls)
        raise Judge0Error(f"Judge0 {what} gave up after {_MAX_ATTEMPTS} attempts", tuple(calls))

    async def _send(
        self,
        method: str,
        path: str,
        lease: KeyLease,
        params: dict[str, str] | None,
        body: dict[str, Any] | None,
    ) -> tuple[httpx.Response | None, str]:
        """The response, or None and what went wrong (`timeout`, `connect`, `network`)."""
        try:
            # httpx times each read; this bounds the whole exchange, a trickling answer too.
            async with asyncio.timeout(self._endpoint.timeout_s):
                response = await self._http.request(
                    method, path, params=params, json=body, headers=self._headers(lease)
                )
                await response.aread()
                return response, ""
        except (httpx.ConnectError, httpx.ConnectTimeout):
            return None, "connect"
        except (TimeoutError, httpx.TimeoutException):
            return None, "timeout"
        except httpx.TransportError:
            return None, "network"

    async def _after_failure(
        self,
        what: str,
        kind: str,
        failure: str,
        duration: float,
        attempts: _Attempts,
        calls: list[RemoteCall],
        response: httpx.Response | None,
    ) -> None:
        """Record a failed request and wait before the next one, or raise when spent."""
        outcome = failure.split(" ", 1)[0]
        attempts.failures += 1
        if attempts.failures > self._endpoint.max_retries:
            calls.append(RemoteCall(kind, duration, outcome))
            tries = attempts.failures
            if outcome == "connect":
                raise Judge0UnavailableError(
                    f"cannot reach the Judge0 server at {self._endpoint.base_url} "
                    f"({tries} attempts)",
                    calls=tuple(calls),
                )
            if outcome == "timeout":
                raise Judge0Error(
                    f"Judge0 did not answer {what} within {self._endpoint.timeout_s:g} s "
                    f"({tries} attempts)",
                    tuple(calls),
                )
            raise Judge0Error(f"Judge0 failed {what} {tries} times: {failure}", tuple(calls))
        calls.append(RemoteCall("retry", duration, outcome))
        wait = backoff_s(attempts.failures, self._rng)
        if response is not None:
            asked = retry_after_s(response, self._clock.now())
            if asked is not None:
                wait = min(asked, MAX_INLINE_WAIT_S)
        _log.warning(
            "Judge0 %s failed (%s); retry %d of %d in %.1f s",
            what,
            failure,
            attempts.failures,
            self._endpoint.max_retries,
            wait,
        )
        await self._clock.sleep(wait)

    async def _lease(self, attempts: _Attempts, calls: list[RemoteCall]) -> KeyLease:
        """A key to use now; waits briefly for one, else raises Judge0UnavailableError."""
        while True:
            now = self._clock.now()
            lease = self._pool.acquire(now)
            if lease is not None:
                return lease
            back = self._pool.next_available(now)
            wait = None if back is None else max((back - now).total_seconds(), 0.0)
            if (
                wait is not None
                and wait <= MAX_INLINE_WAIT_S
                and attempts.key_waits < self._endpoint.max_retries
            ):
                attempts.key_waits += 1
                _log.info("every Judge0 key is resting; waiting %.1f s", wait)
                await self._clock.sleep(wait)
                continue
            when = "" if wait is None else f"; the first is usable again in {wait:.0f} s"
            raise Judge0UnavailableError(
                f"every Judge0 key is out of quota{when}", retry_after_s=wait, calls=tuple(calls)
            )

    def _headers(self, lease: KeyLease) -> dict[str, str]:
        secret = lease.secret
        auth = self._endpoint.auth
        if auth is Judge0Auth.NONE or secret is None:
            return {}
        if auth is Judge0Auth.TOKEN:
            return {"X-Auth-Token": secret}
        return {"X-RapidAPI-Key": secret, "X-RapidAPI-Host": self._endpoint.rapidapi_host}

    def _refusal(self, what: str, lease: KeyLease, response: httpx.Response) -> str:
        status = response.status_code
        if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            if lease.secret is None:
                return f"Judge0 refused {what} (HTTP {status}): it needs a key (judge0_auth)"
            return (
                f"Judge0 refused the key {_shown(lease)} for {what} (HTTP {status}) "
                f"{_error_text(response)}".rstrip()
            )
        return f"Judge0 rejected {what} (HTTP {status}): {_error_text(response)}"


def _shown(lease: KeyLease) -> str:
    return "(none)" if lease.secret is None else mask(lease.secret)


def _error_text(response: httpx.Response) -> str:
    """The server's reason, short: Judge0's `error`, RapidAPI's `message`, or the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:_ERROR_TEXT].strip()
    if isinstance(body, dict):
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:_ERROR_TEXT]
    return json.dumps(body)[:_ERROR_TEXT]


def _json(response: httpx.Response, what: str, calls: list[RemoteCall]) -> object:
    try:
        return response.json()
    except ValueError:
        raise Judge0Error(
            f"Judge0 answered {what} with malformed JSON (HTTP {response.status_code}): "
            f"{response.text[:80]!r}",
            tuple(calls),
        ) from None

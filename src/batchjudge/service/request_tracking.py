"""Every HTTP request: an id (logged and echoed), its latency per route template, and
the capture of an unexpected exception as a 500 in our error shape."""

import asyncio
import itertools
import logging
import re
import secrets
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from batchjudge.monitoring.log_context import request_bound
from batchjudge.service.errors import error_response
from batchjudge.service.state import ServiceState

_log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
#: A client's request id is kept only when it is short and plain (it reaches log lines).
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
#: Label of requests no route matched (raw paths would make labels unbounded).
UNMATCHED = "unmatched"


class RequestIds:
    """New request ids: a random prefix per process and a counter, unique across
    processes and restarts (a random id per request costs a system call each)."""

    def __init__(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count(1)

    def new(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


def request_id_from(scope: Scope, ids: RequestIds) -> str:
    """The client's `X-Request-ID` when it is safe, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1").strip()
            if _SAFE_ID.fullmatch(candidate):
                return candidate
            break
    return ids.new()


def _route_template(scope: Scope) -> str | None:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


def _state(scope: Scope) -> ServiceState | None:
    app: Any = scope.get("app")
    state = getattr(getattr(app, "state", None), "service", None)
    return state if isinstance(state, ServiceState) else None


class RequestTracking:
    """ASGI middleware; reads the service state at request time (none before start-up)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope, self._ids)
        started = time.perf_counter()
        answer: dict[str, int] = {}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        with request_bound(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                await self._capture(scope, exc, request_id)
                if "status" in answer:
                    raise  # the answer has begun: nothing to do but drop the connection
                response = error_response(500, "internal", "internal error; it has been logged")
                await response(scope, receive, send_with_id)
            finally:
                self._observe(scope, answer.get("status", 500), time.perf_counter() - started)

    @staticmethod
    async def _capture(scope: Scope, exc: Exception, request_id: str) -> None:
        route = _route_template(scope) or UNMATCHED
        where = f"{scope.get('method', '?')} {route}"
        _log.error("unexpected error in %s", where, exc_info=exc)
        state = _state(scope)
        if state is not None:
            await asyncio.to_thread(state.errors.record, exc, "api", where, request_id)

    @staticmethod
    def _observe(scope: Scope, status: int, seconds: float) -> None:
        state = _state(scope)
        if state is None:
            return
        route = _route_template(scope)
        method = str(scope.get("method", "GET"))
        state.prometheus.observe_request(route or UNMATCHED, method, status, seconds)
        if route is not None:
            state.request_timings.observe(route, seconds)

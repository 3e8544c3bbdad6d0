"""RequestBodyLimit: every request body bounded by its route, refused with a 413 before it
is parsed (a declared Content-Length at once, a chunked body as soon as it passes).

Starlette and FastAPI ship a body limit, but it answers a request whose Content-Length is
over the limit with its own plain-text "Content Too Large", replacing our error shape and
page, and its limits are fixed when routes are declared, before the settings are read.
"""

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from batchjudge.domain.errors import TooLargeError
from batchjudge.settings import Settings

#: Room for what travels with the payload: form field names, multipart headers, JSON keys.
_OVERHEAD = 64 << 10
#: How much larger than the source its request may be: JSON escapes a control character
#: as six bytes (`\u0001`), a form encodes a byte as three (`%E2`).
_ENCODING_FACTOR = 6
#: Route templates whose body carries a submission's source.
_SOURCE_ROUTES = frozenset({"/api/v1/submissions", "/problems/{problem_id}/submit"})
#: Route templates whose body carries a problem package.
_PACKAGE_ROUTES = frozenset(
    {"/api/v1/problems", "/teach/problems", "/teach/problems/{problem_id}/versions"}
)


class RequestTooLargeError(TooLargeError, HTTPException):
    """A request body over its route's limit. Also an HTTPException, because FastAPI turns
    any other exception raised while it reads a body into a 400 "error parsing the body"."""

    def __init__(self, message: str) -> None:
        TooLargeError.__init__(self, message)
        HTTPException.__init__(self, 413, message)

    def __str__(self) -> str:
        return str(self.detail)


def format_size(size: int) -> str:
    """A byte count for people: "900 bytes", "65.5 KiB", "100 MiB"."""
    if size < 1 << 10:
        return f"{size} bytes"
    if size < 1 << 20:
        return f"{size / (1 << 10):.3g} KiB"
    return f"{size / (1 << 20):.3g} MiB"


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body each kind of route takes, from the input bounds.

    Attributes:
        max_source_bytes: largest source a submission may have.
        max_upload_mb: largest problem package, in MiB; also the bound of every route that
            carries neither a source nor a package (the Judge0 API's stdin can be large).
    """

    max_source_bytes: int
    max_upload_mb: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "BodyLimits":
        return cls(settings.max_source_bytes, settings.max_upload_mb)

    @property
    def submission_bytes(self) -> int:
        """A submission's request: its source however encoded, and the other fields. A
        source just over its own bound still gets through, to be told so by the route."""
        return _ENCODING_FACTOR * self.max_source_bytes + _OVERHEAD

    @property
    def package_bytes(self) -> int:
        return (self.max_upload_mb << 20) + _OVERHEAD

    def limit_for(self, route: str | None) -> int:
        """The bound of the route with this path template (None: no route matched)."""
        return self.submission_bytes if route in _SOURCE_ROUTES else self.package_bytes

    def refusal(self, route: str | None, declared: int | None) -> str:
        """Why a body is refused: its size (when declared) and what the route accepts."""
        limit = self.limit_for(route)
        sent = format_size(declared) if declared is not None else f"over {format_size(limit)}"
        if route in _SOURCE_ROUTES:
            return (
                f"the request body is {sent}; a submission may send at most "
                f"{format_size(limit)} (its source at most {self.max_source_bytes} bytes)"
            )
        if route in _PACKAGE_ROUTES:
            return (
                f"the request body is {sent}; a problem package may be at most "
                f"{self.max_upload_mb} MiB"
            )
        return f"the request body is {sent}; this address accepts at most {format_size(limit)}"


def _route_path(scope: Scope) -> str | None:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RequestBodyLimit:
    """ASGI middleware. The limit is looked up when the app first reads the body, once
    routing has chosen the route; the refusal is raised from `receive`, so it reaches the
    exception handlers (JSON for the API, a page for browsers) like any other error."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            route = _route_path(scope)
            limit = self.limits.limit_for(route)
            if declared is not None and declared > limit:
                raise RequestTooLargeError(self.limits.refusal(route, declared))
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLargeError(self.limits.refusal(route, declared))
            return message

        await self.app(scope, limited_receive, send)

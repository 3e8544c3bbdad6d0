"""Judge0-shaped errors: raised by the Judge0 API's routes and dependencies, answered by
its route class, so our own API's error shape never leaks into a Judge0 client."""

import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from batchjudge.domain.errors import BackendError, BatchjudgeError, LimitedError, NotFoundError

#: Judge0 (Rails) answers an unknown record with this body.
NOT_FOUND = {"status": 404, "error": "Not Found"}


class Judge0ErrorOut(BaseModel):
    """Judge0's error body: a message (and the status, on a 404)."""

    error: str
    status: int | None = None


#: The Judge0 API's own error answers, declared so its OpenAPI does not claim our API's
#: shape for them (other 4xx, such as a 405, come from the router and are ours).
JUDGE0_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": Judge0ErrorOut, "description": "A malformed request."},
    401: {"content": {}, "description": "Unauthenticated (an empty body)."},
    403: {"content": {}, "description": "Not allowed (an empty body)."},
    404: {"model": Judge0ErrorOut, "description": "No such record."},
    422: {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            }
        },
        "description": "Invalid fields: the messages per field.",
    },
    503: {"model": Judge0ErrorOut, "description": "The queue is full."},
}


class Judge0HttpError(Exception):
    """An answer with a status and a JSON body; None is an empty body (401, 403)."""

    def __init__(self, status: int, body: object = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    def response(self) -> Response:
        """The HTTP answer."""
        if self.body is None:
            return Response(status_code=self.status)
        return JSONResponse(self.body, status_code=self.status)


def bad_request(message: str) -> Judge0HttpError:
    """400 with Judge0's `{"error": ...}` body."""
    return Judge0HttpError(400, {"error": message})


def _translated(exc: Exception) -> Response | None:
    if isinstance(exc, Judge0HttpError):
        return exc.response()
    if isinstance(exc, RequestValidationError):
        return bad_request("invalid request").response()
    if isinstance(exc, NotFoundError):
        return JSONResponse(NOT_FOUND, status_code=404)
    if isinstance(exc, BackendError):
        return JSONResponse({"error": str(exc)}, status_code=503)
    if isinstance(exc, LimitedError):
        # Judge0 itself has no rate limits; its clients know 429 from rate-limited proxies.
        wait = {}
        if exc.retry_after_s is not None:
            wait["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
        return JSONResponse({"error": str(exc)}, status_code=429, headers=wait)
    if isinstance(exc, BatchjudgeError):
        return bad_request(str(exc)).response()
    return None


class Judge0Route(APIRoute):
    """A route whose errors leave in Judge0's shapes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler (which also runs the dependencies) to translate errors."""
        handler = super().get_route_handler()

        async def judge0_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                response = _translated(exc)
                if response is None:
                    raise
                return response

        return judge0_handler

"""Every error leaves the API as `{"error": {"code": ..., "message": ...}}` with a 4xx,
or a 503 for infrastructure; never a bare 500 with a traceback."""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from batchjudge.domain.errors import (
    BackendError,
    BatchjudgeError,
    ConflictError,
    InvalidInputError,
    LanguageError,
    LimitedError,
    NotFoundError,
    PermissionDeniedError,
    ProblemError,
    SignInError,
    SubmissionError,
    TooLargeError,
)

_log = logging.getLogger(__name__)

#: (HTTP status, error code) per error class; the first match wins.
_STATUS: list[tuple[type[BatchjudgeError], int, str]] = [
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (LimitedError, 429, "too_many_requests"),
    (TooLargeError, 413, "too_large"),
    (LanguageError, 422, "unknown_language"),
    (ProblemError, 422, "bad_package"),
    (SubmissionError, 422, "bad_submission"),
    (InvalidInputError, 422, "invalid"),
    (SignInError, 401, "sign_in_failed"),
    (BackendError, 503, "unavailable"),
]


class ApiError(Exception):
    """An error the API answers directly, with its status and code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error shape."""
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


class ApiErrorDetailOut(BaseModel):
    """What went wrong: a stable code for programs, a message for people."""

    code: str
    message: str


class ApiErrorOut(BaseModel):
    """The body of every error answer (`error_response`)."""

    error: ApiErrorDetailOut


#: Declared on the whole API, so its OpenAPI tells clients (and the fuzzing test) the
#: real shape of every 4xx rather than FastAPI's default validation-error body.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    "4XX": {"model": ApiErrorOut, "description": "Refused; the body says why."},
}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def _retry_after(exc: BatchjudgeError) -> dict[str, str]:
    """The Retry-After header of a 429, in whole seconds rounded up (at least 1)."""
    if isinstance(exc, LimitedError) and exc.retry_after_s is not None:
        return {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
    return {}


@dataclass(frozen=True)
class ErrorAnswer:
    """What an exception becomes at the HTTP boundary, whatever the format."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def error_answer(exc: Exception) -> ErrorAnswer:
    """The status, code and message `exc` is answered with (a 500 for the unexpected)."""
    if isinstance(exc, ApiError):
        return ErrorAnswer(exc.status, exc.code, exc.message, exc.headers)
    if isinstance(exc, BatchjudgeError):
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return ErrorAnswer(status, code, str(exc), _retry_after(exc))
        return ErrorAnswer(400, "bad_request", str(exc))
    if isinstance(exc, RequestValidationError):
        return ErrorAnswer(422, "invalid_request", _validation_message(exc))
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is down or restarting: infrastructure, so 503 and not a bug's 500.
        message = "the database is unavailable; try again shortly"
        return ErrorAnswer(503, "unavailable", message, {"Retry-After": "5"})
    if isinstance(exc, HTTPException):
        codes = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}
        return ErrorAnswer(
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            str(exc.detail),
            dict(exc.headers or {}),
        )
    return ErrorAnswer(500, "internal", "internal error; it has been logged")


#: Renders an error for a page request (the web UI's), or None for the JSON shape.
PageErrorRenderer = Callable[[Request, ErrorAnswer], Response | None]


def install_error_handlers(app: FastAPI, pages: PageErrorRenderer | None = None) -> None:
    """Translate every exception at the HTTP boundary: the JSON error shape, or an HTML
    page when `pages` renders one for the request."""

    async def on_error(request: Request, exc: Exception) -> Response:
        answer = error_answer(exc)
        if answer.status == 500:
            _log.exception("unexpected error", exc_info=exc)
        page = pages(request, answer) if pages is not None else None
        if page is not None:
            return page
        return error_response(answer.status, answer.code, answer.message, answer.headers)

    # The database errors are named so the inner exception middleware answers them (503);
    # a bare `Exception` handler only runs outside the request-tracking middleware.
    kinds = (ApiError, BatchjudgeError, RequestValidationError, HTTPException)
    for kind in (*kinds, OperationalError, InterfaceError, Exception):
        app.add_exception_handler(kind, on_error)

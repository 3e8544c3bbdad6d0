"""Every error leaves the API as `{"error": {"code": ..., "message": ...}}` with a 4xx,
or a 503 for infrastructure; never a bare 500 with a traceback."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from batchjudge.domain.errors import (
    BackendError,
    BatchjudgeError,
    ConflictError,
    LanguageError,
    NotFoundError,
    PermissionDeniedError,
    ProblemError,
    SubmissionError,
)

_log = logging.getLogger(__name__)

#: (HTTP status, error code) per error class; the first match wins.
_STATUS: list[tuple[type[BatchjudgeError], int, str]] = [
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (LanguageError, 422, "unknown_language"),
    (ProblemError, 422, "bad_package"),
    (SubmissionError, 422, "bad_submission"),
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


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Translate every exception at the HTTP boundary."""

    async def on_api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def on_batchjudge_error(_request: Request, exc: Exception) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return error_response(status, code, str(exc))
        return error_response(400, "bad_request", str(exc))

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, "invalid_request", _validation_message(exc))

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}
        return error_response(
            exc.status_code,
            code.get(exc.status_code, "http_error"),
            str(exc.detail),
            dict(exc.headers or {}),
        )

    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal", "internal error; it has been logged")

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(BatchjudgeError, on_batchjudge_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)

"""The oversized-upload abuse signal, taken in one place: every TooLargeError that reaches
the HTTP boundary (a source or package over its bound) counts against the user who sent
it, then gets the usual 413 answer. Routes that catch TooLargeError themselves to show a
form again call `note_oversized`."""

import inspect
import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from batchjudge.domain.errors import BatchjudgeError, TooLargeError
from batchjudge.service.client_address import client_ip
from batchjudge.service.state import ServiceState
from batchjudge.services.abuse import AbusePolicy, Signal, note_signal
from batchjudge.services.accounts import authenticate
from batchjudge.services.web_sessions import SESSION_COOKIE, find_session

_log = logging.getLogger(__name__)
#: The Judge0-compatible API's token header.
_JUDGE0_TOKEN = "x-auth-token"


def note_oversized(state: ServiceState, user_id: int, detail: str, ip: str = "") -> None:
    """Count one oversized upload by `user_id` (and flag them at the threshold)."""
    policy = AbusePolicy.from_settings(state.settings, state.rate_limits)
    with state.sessions.begin() as session:
        note_signal(session, policy, user_id, Signal.OVERSIZED_UPLOAD, detail, ip)


def _caller_id(session: Session, request: Request) -> int | None:
    """Who sent the request, by the same credentials the routes accept; None if nobody."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    token = token or request.headers.get(_JUDGE0_TOKEN, "").strip()
    if token:
        user = authenticate(session, token)
        return user.id if user is not None else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        row = find_session(session, cookie)
        return row.user_id if row is not None else None
    return None


def _note_request(state: ServiceState, request: Request, detail: str) -> None:
    with state.sessions.begin() as session:
        user_id = _caller_id(session, request)
    if user_id is not None:
        note_oversized(state, user_id, detail, client_ip(request))


def install_oversize_watch(app: FastAPI) -> None:
    """Count TooLargeError answers as abuse signals; call after the error handlers are
    installed (the answer itself is theirs)."""
    answer = app.exception_handlers[BatchjudgeError]
    assert inspect.iscoroutinefunction(answer)

    async def on_too_large(request: Request, exc: Exception) -> Response:
        state = request.app.state.service
        assert isinstance(state, ServiceState)
        try:
            await run_in_threadpool(_note_request, state, request, str(exc))
        except Exception:  # counting must never turn a 413 into a 500
            _log.exception("counting an oversized upload failed")
        response: Response = await answer(request, exc)
        return response

    app.add_exception_handler(TooLargeError, on_too_large)

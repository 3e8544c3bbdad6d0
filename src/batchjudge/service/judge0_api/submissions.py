"""Judge0's submission endpoints: create (one or a batch), and read (one or a batch)."""

import asyncio
import json
import time
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from batchjudge.domain.errors import SubmissionError
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.service.auth import State
from batchjudge.service.judge0_api.auth import Caller, Judge0Caller
from batchjudge.service.judge0_api.errors import (
    NOT_FOUND,
    Judge0HttpError,
    Judge0Route,
    bad_request,
)
from batchjudge.service.state import ServiceState
from batchjudge.service.submission_gate import admit_submissions
from batchjudge.services.judge0_api.config import Judge0Config, judge0_config
from batchjudge.services.judge0_api.languages import queue_language
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.submissions import fetch_views, queued_count, store_submissions
from batchjudge.services.judge0_api.validation import FieldErrors, parse_request
from batchjudge.services.judge0_api.views import NOT_UTF8, Judge0View, parse_fields, render

router = APIRouter(route_class=Judge0Route, tags=["judge0"])

#: How long `wait=true` holds the request before answering with the status so far.
WAIT_LIMIT_S = 120.0
_ONE_NOT_UTF8 = f"some attributes for this submission cannot be converted to UTF-8, {NOT_UTF8}"
_SOME_NOT_UTF8 = (
    f"some attributes for one or more submissions cannot be converted to UTF-8, {NOT_UTF8}"
)


def _config(state: ServiceState) -> Judge0Config:
    return judge0_config(state.settings.max_queue_length)


def _is_on(request: Request, name: str) -> bool:
    # Judge0 1.13.1: only the literal "true" turns a switch on.
    return request.query_params.get(name) == "true"


def _fields(request: Request) -> tuple[str, ...] | None:
    try:
        return parse_fields(request.query_params.get("fields"))
    except SubmissionError as exc:
        raise bad_request(str(exc)) from None


async def _json_body(request: Request) -> object:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None


def _parse(state: ServiceState, body: object, base64: bool) -> Judge0Request | FieldErrors:
    if not isinstance(body, dict):
        return {"submission": ["must be a JSON object"]}
    return parse_request(
        body,
        base64=base64,
        catalog=state.judge0_languages,
        config=_config(state),
        max_source_bytes=state.settings.max_source_bytes,
    )


def _store(
    state: ServiceState, caller: Judge0Caller, requests: Sequence[Judge0Request]
) -> list[str]:
    """Commit the submissions, then queue them: a token is only answered once durable."""
    if caller.user_id is not None:
        # They run in the local sandbox, whatever grades our own submissions.
        admit_submissions(state, caller.user_id, len(requests), remote=False)
    with state.sessions.begin() as session:
        if queued_count(session) + len(requests) > state.settings.max_queue_length:
            raise Judge0HttpError(503, {"error": "queue is full"})
        tokens = store_submissions(session, caller.user_id, requests)
    # Committed: a crash from here on is recovered by the grading processes' sweeps.
    for token, request in zip(tokens, requests, strict=True):
        state.queue.enqueue_judge0(token, queue_language(state.registry, request.language_id))
    return tokens


def _views(state: ServiceState, tokens: Sequence[str]) -> dict[str, Judge0View]:
    with state.sessions() as session:
        return fetch_views(session, tokens)


def _render(
    state: ServiceState, view: Judge0View, fields: tuple[str, ...] | None, base64: bool
) -> dict[str, object]:
    language = state.judge0_languages.get(view.request.language_id)
    return render(view, fields, base64, language.name if language is not None else None)


async def _wait_for(state: ServiceState, token: str) -> Judge0View:
    deadline = time.monotonic() + WAIT_LIMIT_S
    pause = 0.05
    while True:
        view = (await run_in_threadpool(_views, state, [token]))[token]
        if Judge0Status(view.status_id).finished or time.monotonic() > deadline:
            return view
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)


@router.post("/submissions", status_code=201)
async def create_submission(request: Request, state: State, caller: Caller) -> Response:
    """Create a submission; with `wait=true`, answer once it is graded."""
    base64 = _is_on(request, "base64_encoded")
    fields = _fields(request)
    parsed = _parse(state, await _json_body(request), base64)
    if not isinstance(parsed, Judge0Request):
        raise Judge0HttpError(422, parsed)
    [token] = await run_in_threadpool(_store, state, caller, [parsed])
    if not _is_on(request, "wait"):
        return JSONResponse({"token": token}, status_code=201)
    view = await _wait_for(state, token)
    try:
        body = _render(state, view, fields, base64)
    except SubmissionError:
        body = {"token": token, "error": _ONE_NOT_UTF8}
    return JSONResponse(body, status_code=201)


@router.post("/submissions/batch", status_code=201)
async def create_submissions(request: Request, state: State, caller: Caller) -> Response:
    """Create up to `max_submission_batch_size` submissions; invalid ones get their errors
    in place of a token (422 only when none is valid)."""
    base64 = _is_on(request, "base64_encoded")
    body = await _json_body(request)
    items = body.get("submissions") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request("there should be at least one submission in a batch")
    limit = _config(state).max_submission_batch_size
    if len(items) > limit:
        raise bad_request(
            f"number of submissions in a batch should be less than or equal to {limit}"
        )
    parsed = [_parse(state, item, base64) for item in items]
    valid = [item for item in parsed if isinstance(item, Judge0Request)]
    if not valid:
        raise Judge0HttpError(422, parsed)
    tokens = iter(await run_in_threadpool(_store, state, caller, valid))
    answer = [{"token": next(tokens)} if isinstance(p, Judge0Request) else p for p in parsed]
    return JSONResponse(answer, status_code=201)


@router.get("/submissions/batch")
def get_submissions(request: Request, state: State, caller: Caller) -> Response:
    """Several submissions by `tokens` (comma-separated); unknown ones are null."""
    base64 = _is_on(request, "base64_encoded")
    fields = _fields(request)
    raw = request.query_params.get("tokens") or request.headers.get("tokens") or ""
    tokens = [token.strip() for token in raw.split(",") if token.strip()]
    if not tokens:
        raise bad_request("there should be at least one submission in a batch")
    limit = _config(state).max_submission_batch_size
    if len(tokens) > limit:
        raise bad_request(
            f"number of submissions in a batch should be less than or equal to {limit}"
        )
    views = _views(state, tokens)
    answer: list[dict[str, object] | None] = []
    for token in tokens:
        view = views.get(token)
        if view is None or not caller.may_see(view.user_id):
            answer.append(None)
            continue
        try:
            answer.append(_render(state, view, fields, base64))
        except SubmissionError:
            raise bad_request(_SOME_NOT_UTF8) from None
    return JSONResponse({"submissions": answer})


@router.get("/submissions/{token}")
def get_submission(token: str, request: Request, state: State, caller: Caller) -> Response:
    """One submission, with the `fields` asked for."""
    base64 = _is_on(request, "base64_encoded")
    fields = _fields(request)
    view = _views(state, [token]).get(token)
    if view is None or not caller.may_see(view.user_id):
        raise Judge0HttpError(404, NOT_FOUND)
    try:
        return JSONResponse(_render(state, view, fields, base64))
    except SubmissionError:
        raise bad_request(_ONE_NOT_UTF8) from None


@router.get("/submissions")
def list_submissions(_caller: Caller) -> Response:
    """Judge0 lists submissions only to an authorization token, which we do not issue."""
    raise Judge0HttpError(403)


@router.delete("/submissions/{token}")
def delete_submission(token: str, _caller: Caller) -> Response:  # noqa: ARG001 - Judge0's path
    """Deleting is off (`enable_submission_delete` is false), as in Judge0 by default."""
    raise bad_request("delete not allowed")

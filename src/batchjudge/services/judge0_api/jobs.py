"""Grading one Judge0 submission from the queue, safely repeatable: a delivery only
grades a submission In Queue, which it moves to Processing, so a job delivered twice
does nothing the second time. When the process holding it dies, another puts it back
In Queue (services.orphaned_jobs); the result is stored only by the attempt that holds
it, so it is written once.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.judge0 import Judge0Submission
from batchjudge.domain.errors import BatchjudgeError
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.monitoring.log_context import submission_bound
from batchjudge.services.judge0_api.callbacks import send_callback
from batchjudge.services.judge0_api.execution import Judge0Runtime, internal_error, run_request
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.results import Judge0Result
from batchjudge.services.judge0_api.submissions import stored_request, view_of
from batchjudge.services.judge0_api.views import Judge0View, render

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Judge0JobContext:
    """Everything a Judge0 grading job needs, built once per worker thread."""

    sessions: sessionmaker[Session]
    runtime: Judge0Runtime
    # Told of every unexpected exception (a bug), with what was being graded.
    on_crash: Callable[[BaseException, str], None] | None = None
    # The grading process (workers.id) claims are recorded under.
    worker_id: str | None = None


def _row(session: Session, token: str) -> Judge0Submission | None:
    query = select(Judge0Submission).where(Judge0Submission.token == token)
    return session.scalars(query.with_for_update()).first()


def _claim(
    sessions: sessionmaker[Session], token: str, worker_id: str | None
) -> tuple[Judge0Request, int] | None:
    """Move the submission from In Queue to Processing; None when it is not in queue.
    Returns the request and the attempt that holds it."""
    with sessions.begin() as session:
        row = _row(session, token)
        if row is None or row.status_id != Judge0Status.IN_QUEUE:
            return None
        row.status_id = Judge0Status.PROCESSING
        row.worker_id = worker_id
        row.attempts += 1
        return stored_request(session, row), row.attempts


def _finish(
    sessions: sessionmaker[Session], token: str, attempt: int, result: Judge0Result
) -> Judge0View | None:
    """Store the result, unless the submission is no longer ours (handed back meanwhile)."""
    with sessions.begin() as session:
        row = _row(session, token)
        if row is None or row.status_id != Judge0Status.PROCESSING or row.attempts != attempt:
            return None
        row.status_id = result.status_id
        row.result = result.to_json()
        row.finished_at = datetime.now(UTC)
        session.flush()
        return view_of(session, row)


async def grade_judge0_submission(context: Judge0JobContext, token: str) -> int | None:
    """Grade the submission In Queue under `token`, store its result and call its
    callback; returns its final status id, or None when it was not in queue.

    Infrastructure failures and bugs end it as 13 (Internal Error) with the reason. Log
    lines written meanwhile carry the token as their submission id.
    """
    with submission_bound(token):
        return await _grade_judge0_submission(context, token)


async def _grade_judge0_submission(context: Judge0JobContext, token: str) -> int | None:
    claim = await asyncio.to_thread(_claim, context.sessions, token, context.worker_id)
    if claim is None:
        return None
    request, attempt = claim
    try:
        result = await run_request(context.runtime, request)
    except BatchjudgeError as exc:
        result = internal_error(str(exc))
    except Exception as exc:
        _log.exception("grading Judge0 submission %s failed", token)
        if context.on_crash is not None:
            await asyncio.to_thread(context.on_crash, exc, f"Judge0 API submission {token}")
        result = internal_error(f"internal error: {type(exc).__name__}")
    view = await asyncio.to_thread(_finish, context.sessions, token, attempt, result)
    if view is not None and request.callback_url:
        config = context.runtime.config
        # Judge0 always sends the default fields, base64-encoded, whatever was asked.
        await send_callback(
            request.callback_url,
            render(view, None, base64=True),
            tries=config.callbacks_max_tries,
            timeout_s=config.callbacks_timeout,
        )
    return result.status_id

"""Judge0 submissions in the database: stored as In Queue, read back by token, and put
back in the queue after a restart.

The table is the outbox, as for our own submissions: a row is committed with status 1
(In Queue) before its token is answered or its job enqueued, and every grading process
queues such rows again when it starts (service.worker_presence).
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.results import Judge0Result
from batchjudge.services.judge0_api.views import Judge0View
from batchjudge.services.sealed_text import open_text, seal_text


def queued_count(session: Session) -> int:
    """Jobs waiting for a worker: Judge0 submissions in queue and our own queued ones
    (both share the grading queue and its sandboxes)."""
    ours = session.scalar(select(func.count()).where(Submission.status == SubmissionStatus.QUEUED))
    theirs = session.scalar(
        select(func.count()).where(Judge0Submission.status_id == Judge0Status.IN_QUEUE)
    )
    return int(ours or 0) + int(theirs or 0)


def store_submissions(
    session: Session, user_id: int | None, requests: Sequence[Judge0Request]
) -> list[str]:
    """Add each request as an In Queue submission; return their new tokens (UUID v4).
    The caller commits, then enqueues the tokens."""
    tokens = []
    for request in requests:
        token = str(uuid.uuid4())
        stored, sealed = seal_text(session, request.to_json())
        session.add(
            Judge0Submission(
                token=token,
                user_id=user_id,
                language_id=request.language_id,
                status_id=Judge0Status.IN_QUEUE,
                request=stored,
                request_sealed=sealed,
                result=None,
                attempts=0,
            )
        )
        tokens.append(token)
    session.flush()
    return tokens


def stored_request(session: Session, row: Judge0Submission) -> Judge0Request:
    """The request of `row` (opened when sealed at rest)."""
    return Judge0Request.from_json(open_text(session, row.request, row.request_sealed))


def view_of(session: Session, row: Judge0Submission) -> Judge0View:
    """A stored submission as the API shows it."""
    return Judge0View(
        token=row.token,
        user_id=row.user_id,
        status_id=row.status_id,
        request=stored_request(session, row),
        result=Judge0Result.from_json(row.result) if row.result is not None else None,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def fetch_views(session: Session, tokens: Sequence[str]) -> dict[str, Judge0View]:
    """The submissions among `tokens` that exist, by token."""
    wanted = [token for token in tokens if len(token) <= 36]
    if not wanted:
        return {}
    rows = session.scalars(select(Judge0Submission).where(Judge0Submission.token.in_(wanted)))
    return {row.token: view_of(session, row) for row in rows}

"""Live grading progress as Server-Sent Events: queued, compiled, one test event per test
as soon as it is stored, then done. It reads the database, so it works whichever worker
(or process) grades the submission.

A test hidden from a student still gets its `test` event, so progress counts stay right,
but masked: `{"position": 7, "hidden": true}`, without name, verdict, time or memory.
Every other test event carries `"hidden": false`.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import select

from batchjudge.db.submissions import Submission, SubmissionStatus, TestResult
from batchjudge.domain.errors import NotFoundError
from batchjudge.service.auth import CurrentUser, State
from batchjudge.service.ids import IdPath
from batchjudge.services.submission_access import may_see
from batchjudge.services.test_visibility import hidden_positions, sees_everything

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])

_POLL_S = 0.2
_FINISHED = (SubmissionStatus.DONE, SubmissionStatus.FAILED)


@dataclass(frozen=True)
class Watched:
    """A submission the caller may follow, and the test positions hidden from them."""

    submission_id: int
    hidden: frozenset[int]


def visible_submission(state: State, user: CurrentUser, submission_id: IdPath) -> Watched:
    """The submission, when the caller may see it (checked before streaming starts)."""
    with state.sessions() as session:
        found = session.execute(
            select(Submission.user_id, Submission.problem_version_id).where(
                Submission.id == submission_id
            )
        ).first()
        if found is None or not may_see(session, user, found.user_id):
            raise NotFoundError(f"there is no submission {submission_id}")
        hidden = frozenset[int]()
        if not sees_everything(user):
            hidden = hidden_positions(session, found.problem_version_id)
    return Watched(submission_id, hidden)


async def stream_slot(state: State, user: CurrentUser) -> AsyncIterator[None]:
    """One of the caller's live-stream slots, held until the stream ends or the client
    goes away (FastAPI closes this after the response); a 429 when none is free."""
    with state.stream_slots.held(user.id):
        yield


def _snapshot(state: State, submission_id: int, after: int) -> tuple[Submission, list[TestResult]]:
    with state.sessions() as session:
        row = session.get_one(Submission, submission_id)
        results = list(
            session.scalars(
                select(TestResult)
                .where(TestResult.submission_id == submission_id, TestResult.position >= after)
                .order_by(TestResult.position)
            )
        )
        return row, results


def _test_event(result: TestResult, hidden: frozenset[int]) -> dict[str, Any]:
    if result.position in hidden:
        return {"position": result.position, "hidden": True}
    return {
        "position": result.position,
        "hidden": False,
        "name": result.name,
        "verdict": result.verdict,
        "time_s": result.time_s,
        "memory_kb": result.memory_kb,
    }


@router.get("/{submission_id}/events", response_class=EventSourceResponse)
async def submission_events(
    state: State,
    watched: Annotated[Watched, Depends(visible_submission)],
    _slot: Annotated[None, Depends(stream_slot)],
) -> AsyncIterator[ServerSentEvent]:
    """Stream the submission's progress; the stream ends after `done`. Tests hidden from
    a student come as `{"position": n, "hidden": true}`. A user may hold
    `max_sse_per_user` streams open at once; one more is refused with 429."""
    submission_id = watched.submission_id
    yield ServerSentEvent(event="queued", data={"id": submission_id})
    compiled = False
    sent = 0
    while True:
        row, results = await asyncio.to_thread(_snapshot, state, submission_id, sent)
        if not compiled and row.compile_ok is not None:
            compiled = True
            yield ServerSentEvent(
                event="compiled",
                data={
                    "ok": row.compile_ok,
                    "time_s": row.compile_time_s,
                    "output": row.compile_output,
                },
            )
        for result in results:
            if result.position != sent:
                break  # a gap: the next position is not stored yet
            yield ServerSentEvent(event="test", data=_test_event(result, watched.hidden))
            sent += 1
        if row.status in _FINISHED:
            if row.status == SubmissionStatus.DONE and not compiled:
                compiled = True
                yield ServerSentEvent(event="compiled", data={"ok": row.compile_ok})
            yield ServerSentEvent(event="done", data={"status": row.status, "verdict": row.verdict})
            return
        await asyncio.sleep(_POLL_S)

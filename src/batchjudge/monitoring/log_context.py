"""The ids a log line carries: the request being served and the submission being graded.

Context variables, not state: each request and each grading job binds its own value,
which follows it into `asyncio.to_thread` and Starlette's thread pool, and is gone when
the request or job ends.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("batchjudge_request_id", default=None)
#: Our submissions' integer ids, or a Judge0 API submission's token.
SUBMISSION_ID: ContextVar[int | str | None] = ContextVar("batchjudge_submission_id", default=None)


@contextmanager
def request_bound(request_id: str) -> Iterator[None]:
    """Log lines written inside carry `request_id`."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


@contextmanager
def submission_bound(submission_id: int | str) -> Iterator[None]:
    """Log lines written inside carry `submission_id`."""
    token = SUBMISSION_ID.set(submission_id)
    try:
        yield
    finally:
        SUBMISSION_ID.reset(token)

"""Submitting from the problem page without JavaScript: the same checks, service call and
queueing as POST /api/v1/submissions, with failures returned as messages for the form."""

from dataclasses import dataclass

from sqlalchemy import func, select

from batchjudge.db.accounts import User
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.domain.errors import (
    LanguageError,
    LimitedError,
    NotFoundError,
    SubmissionError,
    TooLargeError,
)
from batchjudge.domain.styles import Mode, Style
from batchjudge.service.oversize_watch import note_oversized
from batchjudge.service.state import ServiceState
from batchjudge.service.submission_gate import admit_submissions
from batchjudge.services.submissions import SubmissionRequest, submit

#: The style choices of the form, in the order shown.
STYLE_CHOICES = (
    (Style.AUTO, "Detect it"),
    (Style.PROGRAM, "Program (main)"),
    (Style.SOLVE, "solve() function"),
)


@dataclass(frozen=True)
class SubmitOutcome:
    """Either the new submission's id, or why there is none (and the HTTP status)."""

    submission_id: int | None = None
    error: str | None = None
    status: int = 303
    retry_after_s: float | None = None


def parse_style(value: str) -> Style | None:
    """The style the form sent, or None when it is not one of ours."""
    try:
        return Style(value)
    except ValueError:
        return None


def queue_submission(
    state: ServiceState, user: User, request: SubmissionRequest, ip: str = ""
) -> SubmitOutcome:
    """Store `request` and queue it for grading, as create_submission does for the API.

    The mode is always AUTO: the form offers no choice, which is what the API does for a
    body without `mode` (and, in auto optimization mode, for any body). A blocked user,
    one over the rate limit or an institution over its quota get the message (429).
    """
    try:
        admit_submissions(state, user.id, ip=ip)
    except LimitedError as exc:
        return SubmitOutcome(error=_sentence(str(exc)), status=429, retry_after_s=exc.retry_after_s)
    try:
        with state.sessions.begin() as session:
            queued = session.scalar(
                select(func.count()).where(Submission.status == SubmissionStatus.QUEUED)
            )
            if int(queued or 0) >= state.settings.max_queue_length:
                return SubmitOutcome(
                    error="Too many submissions are waiting. Try again in a minute.", status=503
                )
            row = submit(
                session,
                session.merge(user, load=False),
                SubmissionRequest(
                    request.problem_id, request.language, request.source, request.style, Mode.AUTO
                ),
                state.registry,
                state.settings.max_source_bytes,
            )
            submission_id, language = row.id, row.language
    except TooLargeError as exc:
        note_oversized(state, user.id, str(exc), ip)
        return SubmitOutcome(error=_sentence(str(exc)), status=413)
    except (LanguageError, SubmissionError) as exc:
        return SubmitOutcome(error=_sentence(str(exc)), status=422)
    except NotFoundError as exc:
        return SubmitOutcome(error=_sentence(str(exc)), status=404)
    # Committed: from here a crash is recovered by the grading processes' sweeps.
    state.queue.enqueue(submission_id, language)
    return SubmitOutcome(submission_id=submission_id)


def _sentence(message: str) -> str:
    """A service message ("the source is empty") as a sentence for a page."""
    message = message.strip()
    if not message:
        return "That did not work."
    text = message[0].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else text + "."

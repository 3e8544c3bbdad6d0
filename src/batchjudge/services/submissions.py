"""Accepting a submission: checked, then stored as queued in the caller's transaction."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from batchjudge.db.accounts import User
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.domain.errors import NotFoundError, SubmissionError, TooLargeError
from batchjudge.domain.styles import Mode, Style
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.services.sealed_text import open_text, seal_text


@dataclass(frozen=True)
class SubmissionRequest:
    """What a user asks to have graded."""

    problem_id: int
    language: str
    source: str
    style: Style = Style.AUTO
    mode: Mode = Mode.AUTO


def submit(
    session: Session,
    user: User,
    request: SubmissionRequest,
    registry: LanguageRegistry,
    max_source_bytes: int,
) -> Submission:
    """Store `request` as a queued submission against the problem's latest version.

    The caller commits; the grading job must be enqueued in the same transaction (or from
    an outbox) so that an acknowledged submission is never lost.

    Raises:
        LanguageError: unknown language.
        NotFoundError: unknown problem.
        SubmissionError: the source is empty.
        TooLargeError: the source is over `max_source_bytes` (UTF-8 bytes).
    """
    bundle = registry.get(request.language)
    size = len(request.source.encode())
    if size == 0 or not request.source.strip():
        raise SubmissionError("the source is empty")
    if size > max_source_bytes:
        raise TooLargeError(
            f"the source is {size} bytes; a submission may have at most {max_source_bytes} bytes"
        )
    version = latest_version(session, request.problem_id)
    if version is None:
        raise NotFoundError(f"there is no problem {request.problem_id}")
    stored_source, sealed = seal_text(session, request.source)
    submission = Submission(
        user_id=user.id,
        problem_version_id=version.id,
        language=bundle.spec.id,
        style=request.style.value,
        mode=request.mode.value,
        source=stored_source,
        source_sealed=sealed,
        status=SubmissionStatus.QUEUED,
        attempts=0,
        message="",
        compile_output="",
    )
    session.add(submission)
    session.flush()
    return submission


def latest_version(session: Session, problem_id: int) -> ProblemVersion | None:
    """The newest version of a problem, or None."""
    problem = session.get(Problem, problem_id)
    if problem is None:
        return None
    return next((v for v in problem.versions if v.version == problem.latest_version), None)


def submission_source(session: Session, submission: Submission) -> str:
    """The source of `submission` as it was submitted (opened when sealed at rest)."""
    return open_text(session, submission.source, submission.source_sealed)

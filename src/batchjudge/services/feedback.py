"""Feedback on gradings: one rating per user and submission, which a new one replaces."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.accounts import Role, User
from batchjudge.db.monitoring import Feedback
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.domain.errors import ConflictError, NotFoundError

RATINGS = range(1, 6)
#: Longest comment kept, in characters.
MAX_COMMENT_CHARS = 2000
_GRADED = (SubmissionStatus.DONE, SubmissionStatus.FAILED)


@dataclass(frozen=True)
class FeedbackRecord:
    """A stored rating; `created` tells a first rating from a replacement."""

    id: int
    submission_id: int
    user_id: int
    rating: int
    comment: str
    created_at: datetime
    updated_at: datetime
    created: bool


def may_see(user: User, submission: Submission) -> bool:
    """Whether `user` may see `submission`: its owner, any teacher and any admin (the rule
    of GET /api/v1/submissions/{id})."""
    return user.role != Role.STUDENT or submission.user_id == user.id


def _record(row: Feedback, created: bool) -> FeedbackRecord:
    return FeedbackRecord(
        row.id,
        row.submission_id,
        row.user_id,
        row.rating,
        row.comment,
        row.created_at,
        row.updated_at,
        created,
    )


def _store(
    session: Session, user: User, submission_id: int, rating: int, comment: str
) -> FeedbackRecord:
    submission = session.get(Submission, submission_id)
    if submission is None or not may_see(user, submission):
        raise NotFoundError(f"there is no submission {submission_id}")
    if submission.status not in _GRADED:
        raise ConflictError(f"submission {submission_id} is not graded yet; rate it when it is")
    now = datetime.now(UTC)
    row = session.scalars(
        select(Feedback).where(Feedback.submission_id == submission_id, Feedback.user_id == user.id)
    ).first()
    if row is not None:
        row.rating, row.comment, row.updated_at = rating, comment, now
        session.flush()
        return _record(row, created=False)
    row = Feedback(
        submission_id=submission_id,
        user_id=user.id,
        rating=rating,
        comment=comment,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row, created=True)


def _store_once(
    sessions: sessionmaker[Session], user: User, submission_id: int, rating: int, comment: str
) -> FeedbackRecord:
    with sessions.begin() as session:
        return _store(session, user, submission_id, rating, comment)


def give_feedback(
    sessions: sessionmaker[Session], user: User, submission_id: int, rating: int, comment: str = ""
) -> FeedbackRecord:
    """Store `user`'s rating (1-5, in `RATINGS`) of a graded submission, replacing their
    earlier one, in a transaction of its own.

    Raises:
        NotFoundError: no such submission, or one `user` may not see.
        ConflictError: the submission is not graded (done or failed) yet.
    """
    try:
        return _store_once(sessions, user, submission_id, rating, comment)
    except IntegrityError:
        pass  # two first ratings raced and the other was stored first: replace it
    try:
        return _store_once(sessions, user, submission_id, rating, comment)
    except IntegrityError as exc:
        raise ConflictError("the rating could not be stored; send it again") from exc

"""Privacy requests: export everything held about a user, or erase their personal data.

Erasure keeps every row the figures count (submissions, results, executions, ratings,
onboarding steps, token use) and empties what a person wrote or could be recognised by:
the name, the password, sources, compiler output, program output, comments and Judge0
requests. The rows then belong to `deleted-user-<id>`, so efficiency, adoption and the
dashboards read exactly as before. Both requests are audited.
"""

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, func, select, update
from sqlalchemy.orm import Session

from batchjudge.db.accounts import ApiToken, User
from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.monitoring import Feedback
from batchjudge.db.submissions import Submission, SubmissionStatus, TestResult
from batchjudge.db.web import WebSession
from batchjudge.domain.errors import ConflictError, InvalidInputError, NotFoundError
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.services.actor import Actor
from batchjudge.services.audit import AuditAction, record
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.results import Judge0Result, Judge0Run
from batchjudge.services.privacy_export import Document, collect_user_data

_IN_GRADING = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)
_JUDGE0_IN_GRADING = (Judge0Status.IN_QUEUE, Judge0Status.PROCESSING)


def erased_name(user_id: int) -> str:
    """The name an erased user goes by (unique, as user ids are)."""
    return f"deleted-user-{user_id}"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did; `already_erased` when an earlier one had done it all."""

    user_id: int
    name: str
    already_erased: bool
    submissions: int
    judge0_submissions: int
    feedback: int
    tokens_revoked: int
    sessions_ended: int


def export_user(session: Session, user_id: int, actor: Actor) -> Document:
    """`privacy_export.collect_user_data`, audited.

    Raises:
        NotFoundError: no such user.
    """
    # The entry first: on SQLite, a transaction that reads and then writes can be refused
    # the write when another writer got in between; one that writes first waits its turn.
    _record(session, actor, AuditAction.PRIVACY_EXPORT, user_id)
    session.flush()
    return collect_user_data(session, user_id)


def delete_user(session: Session, user_id: int, actor: Actor) -> Erasure:
    """Erase the personal data of user `user_id`; running it again changes nothing.

    Raises:
        NotFoundError: no such user.
        InvalidInputError: an admin asked to erase themselves.
        ConflictError: a submission of theirs is still being graded (deactivate them,
            wait, and ask again), or another user holds the name `deleted-user-<id>`.
    """
    if actor.user_id == user_id:
        raise InvalidInputError("you cannot erase your own account; ask another admin")
    # Lock the user's row before reading anything (see `export_user`): it also keeps two
    # erasures of the same user in turn.
    session.execute(update(User).where(User.id == user_id).values(name=User.name))
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"there is no user {user_id}")
    _refuse_while_grading(session, user_id)
    name = erased_name(user_id)
    holder = session.scalars(select(User.id).where(User.name == name)).first()
    if holder is not None and holder != user_id:
        raise ConflictError(f"another user is called {name!r}: rename them first")
    already = user.name == name and user.password_hash is None and not user.active
    user.name, user.password_hash, user.active = name, None, False
    erasure = Erasure(
        user_id=user_id,
        name=name,
        already_erased=already,
        tokens_revoked=_revoke_tokens(session, user_id),
        sessions_ended=_end_sessions(session, user_id),
        feedback=_erase_comments(session, user_id),
        submissions=_erase_submissions(session, user_id),
        judge0_submissions=_erase_judge0_submissions(session, user_id),
    )
    if not already:
        _record(session, actor, AuditAction.PRIVACY_DELETE, user_id)
    session.flush()
    return erasure


def _record(session: Session, actor: Actor, action: AuditAction, user_id: int) -> None:
    record(
        session,
        action,
        actor_id=actor.user_id,
        target=f"user:{user_id}",
        details={"via": actor.via},
        ip=actor.ip,
    )


def _refuse_while_grading(session: Session, user_id: int) -> None:
    grading = (
        session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.user_id == user_id, Submission.status.in_(_IN_GRADING))
        )
        or 0
    )
    grading += (
        session.scalar(
            select(func.count())
            .select_from(Judge0Submission)
            .where(
                Judge0Submission.user_id == user_id,
                Judge0Submission.status_id.in_([int(s) for s in _JUDGE0_IN_GRADING]),
            )
        )
        or 0
    )
    if grading:
        raise ConflictError(
            f"{grading} submission(s) of user {user_id} are still being graded: deactivate "
            "the user, wait for the grading to finish, and ask again"
        )


def _changed(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE touched."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


def _revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke live tokens and blank every label; the rows stay, since `last_used_at`
    counts in the active-user figures."""
    now = datetime.now(UTC)
    revoked = _changed(
        session,
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now),
    )
    session.execute(update(ApiToken).where(ApiToken.user_id == user_id).values(label=""))
    return revoked


def _end_sessions(session: Session, user_id: int) -> int:
    return _changed(session, delete(WebSession).where(WebSession.user_id == user_id))


def _erase_comments(session: Session, user_id: int) -> int:
    """Blank comments; ratings and their times stay for the satisfaction figures."""
    return _changed(session, update(Feedback).where(Feedback.user_id == user_id).values(comment=""))


def _erase_submissions(session: Session, user_id: int) -> int:
    """Empty sources, compiler output, messages and output previews. An empty source is
    the erased mark: no submission is accepted without one."""
    mine = select(Submission.id).where(Submission.user_id == user_id)
    session.execute(
        update(TestResult)
        .where(TestResult.submission_id.in_(mine))
        .values(message="", output_preview=None)
    )
    return _changed(
        session,
        update(Submission)
        .where(Submission.user_id == user_id)
        .values(source="", source_sealed=False, compile_output="", message=""),
    )


def _erase_judge0_submissions(session: Session, user_id: int) -> int:
    """Keep each request's language and each result's status and measures; drop every
    text (source, input, expected and actual output, arguments, files, callback)."""
    rows = session.scalars(select(Judge0Submission).where(Judge0Submission.user_id == user_id))
    count = 0
    for row in rows:
        row.request = Judge0Request(language_id=row.language_id, source_code=None).to_json()
        row.request_sealed = False
        if row.result is not None:
            row.result = _without_texts(Judge0Result.from_json(row.result)).to_json()
        count += 1
    return count


def _quiet(run: Judge0Run) -> Judge0Run:
    return dataclasses.replace(run, stdout=None, stderr=None, message=None)


def _without_texts(result: Judge0Result) -> Judge0Result:
    tests = result.test_results
    return Judge0Result(
        run=_quiet(result.run),
        compile_output=None,
        test_results=None if tests is None else tuple(_quiet(t) for t in tests),
    )

"""Finding work that no process will finish, so it can be queued again: jobs held by a
process that died, and queued submissions whose job was lost.

Handing a job back only moves its row to queued: whichever process claims it next
starts a new attempt, and writes of the old attempt are refused (services.grading_jobs),
so results are written once even when the "dead" process was only slow.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.services.worker_registry import WorkerIdentity, find_dead


@dataclass
class Requeue:
    """What to queue again: submissions with their language, Judge0 API submissions with
    their Judge0 language id."""

    submissions: list[tuple[int, str]] = field(default_factory=list)
    judge0: list[tuple[str, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.submissions or self.judge0)


def hand_back(session: Session, worker_ids: Sequence[str], unowned: bool = False) -> Requeue:
    """Move what `worker_ids` hold (and, with `unowned`, what runs with no holder, from
    before holders were recorded) back to queued."""
    holders: ColumnElement[bool] = Submission.worker_id.in_(worker_ids)
    judge0_holders: ColumnElement[bool] = Judge0Submission.worker_id.in_(worker_ids)
    if unowned:
        holders = or_(holders, Submission.worker_id.is_(None))
        judge0_holders = or_(judge0_holders, Judge0Submission.worker_id.is_(None))
    found = Requeue()
    rows = session.scalars(
        select(Submission)
        .where(Submission.status == SubmissionStatus.RUNNING, holders)
        .with_for_update(skip_locked=True)
    )
    for row in rows:
        row.status = SubmissionStatus.QUEUED
        row.worker_id = None
        row.started_at = None
        found.submissions.append((row.id, row.language))
    judge0_rows = session.scalars(
        select(Judge0Submission)
        .where(Judge0Submission.status_id == Judge0Status.PROCESSING, judge0_holders)
        .with_for_update(skip_locked=True)
    )
    for judge0_row in judge0_rows:
        judge0_row.status_id = Judge0Status.IN_QUEUE
        judge0_row.worker_id = None
        found.judge0.append((judge0_row.token, judge0_row.language_id))
    return found


def reclaim_from_dead(
    sessions: sessionmaker[Session], timeout_s: float, here: WorkerIdentity
) -> Requeue:
    """Hand back what dead processes held (see services.worker_registry.find_dead)."""
    with sessions.begin() as session:
        dead = find_dead(session, timeout_s, here)
        return hand_back(session, dead, unowned=True)


def queued_work(sessions: sessionmaker[Session], older_than_s: float = 0.0) -> Requeue:
    """Every queued submission, oldest first; with `older_than_s`, only those waiting at
    least that long (candidates for a lost job)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    found = Requeue()
    with sessions() as session:
        found.submissions = [
            (row.id, row.language)
            for row in session.execute(
                select(Submission.id, Submission.language)
                .where(Submission.status == SubmissionStatus.QUEUED)
                .where(Submission.created_at <= cutoff)
                .order_by(Submission.id)
            )
        ]
        found.judge0 = [
            (row.token, row.language_id)
            for row in session.execute(
                select(Judge0Submission.token, Judge0Submission.language_id)
                .where(Judge0Submission.status_id == Judge0Status.IN_QUEUE)
                .where(Judge0Submission.created_at <= cutoff)
                .order_by(Judge0Submission.id)
            )
        ]
    return found


def only_idle(
    work: Requeue, idle: Callable[[str], bool], language_of: Callable[[int], str]
) -> Requeue:
    """The part of `work` whose queue holds no job at all: queued rows whose job is lost
    (a worker taken down between taking the job and claiming it)."""
    answers: dict[str, bool] = {}

    def is_idle(language: str) -> bool:
        if language not in answers:
            answers[language] = idle(language)
        return answers[language]

    return Requeue(
        [(sid, language) for sid, language in work.submissions if is_idle(language)],
        [(token, lid) for token, lid in work.judge0 if is_idle(language_of(lid))],
    )

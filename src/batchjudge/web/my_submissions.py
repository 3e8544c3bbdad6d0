"""The viewer's own submissions as "My submissions" lists them, and their ratings."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from batchjudge.db.monitoring import Feedback
from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Submission, TestResult
from batchjudge.web.student_queries import latest_versions


@dataclass(frozen=True)
class Rating:
    """The viewer's rating of a grading."""

    rating: int
    comment: str


@dataclass(frozen=True)
class SubmissionFilters:
    """The filters of "My submissions" (None: any)."""

    problem_id: int | None = None
    verdict: str | None = None
    language: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class SubmissionRow:
    """One of the viewer's submissions, with how many of its tests passed so far."""

    id: int
    problem_id: int
    problem_name: str
    language: str
    style: str
    status: str
    verdict: str | None
    passed: int
    graded: int
    created_at: datetime


def fetch_my_submissions(
    session: Session,
    user_id: int,
    filters: SubmissionFilters,
    before: int | None,
    page_size: int,
) -> tuple[list[SubmissionRow], bool]:
    """The viewer's submissions matching `filters`, newest first, with ids below `before`
    (keyset paging, stable while new ones arrive); and whether older ones remain."""
    query = (
        select(Submission, ProblemVersion.problem_id, ProblemVersion.name)
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(Submission.user_id == user_id)
        .order_by(Submission.id.desc())
    )
    if filters.problem_id is not None:
        query = query.where(ProblemVersion.problem_id == filters.problem_id)
    if filters.verdict is not None:
        query = query.where(Submission.verdict == filters.verdict)
    if filters.language is not None:
        query = query.where(Submission.language == filters.language)
    if filters.status is not None:
        query = query.where(Submission.status == filters.status)
    if before is not None:
        query = query.where(Submission.id < before)
    found = session.execute(query.limit(page_size + 1)).all()
    page = found[:page_size]
    counts = _test_counts(session, [submission.id for submission, _, _ in page])
    rows = [
        SubmissionRow(
            id=submission.id,
            problem_id=problem_id,
            problem_name=name,
            language=submission.language,
            style=submission.style,
            status=submission.status,
            verdict=submission.verdict,
            passed=counts.get(submission.id, (0, 0))[0],
            graded=counts.get(submission.id, (0, 0))[1],
            created_at=submission.created_at,
        )
        for submission, problem_id, name in page
    ]
    return rows, len(found) > page_size


def _test_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    passed = func.sum(case((TestResult.verdict == "AC", 1), else_=0), type_=Integer)
    query = (
        select(TestResult.submission_id, passed, func.count(TestResult.id))
        .where(TestResult.submission_id.in_(ids))
        .group_by(TestResult.submission_id)
    )
    return {int(row[0]): (int(row[1] or 0), int(row[2])) for row in session.execute(query)}


def fetch_problem_choices(session: Session, user_id: int) -> list[tuple[int, str]]:
    """(id, latest name) of the problems the viewer submitted to, for the problem filter."""
    mine = (
        select(ProblemVersion.problem_id)
        .join(Submission, Submission.problem_version_id == ProblemVersion.id)
        .where(Submission.user_id == user_id)
    )
    query = latest_versions().where(ProblemVersion.problem_id.in_(mine))
    return [(version.problem_id, version.name) for version, _ in session.execute(query)]


def fetch_feedback(session: Session, submission_id: int, user_id: int) -> Rating | None:
    """The viewer's rating of the submission's grading, if they gave one."""
    row = session.scalars(
        select(Feedback).where(Feedback.submission_id == submission_id, Feedback.user_id == user_id)
    ).first()
    return Rating(row.rating, row.comment) if row is not None else None

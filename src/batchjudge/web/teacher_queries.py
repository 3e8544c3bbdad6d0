"""What the teacher pages read besides analytics: a problem's versions, and the
submissions of the viewer's institution, filtered and a page at a time."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion
from batchjudge.db.submissions import Submission

#: Submissions per page of the institution's list.
PAGE_SIZE = 50
#: The verdict filter's value for submissions without a verdict yet.
PENDING = "pending"


@dataclass(frozen=True)
class VersionRow:
    """One upload of a problem."""

    version: int
    name: str
    tests: int
    submissions: int
    created_at: datetime


@dataclass(frozen=True)
class SubmissionFilters:
    """The list's filters, as the page's GET form sends them (empty: not filtered)."""

    problem_id: int | None = None
    student: str = ""
    verdict: str = ""
    language: str = ""
    page: int = 1


@dataclass(frozen=True)
class SubmissionRow:
    """A submission in the institution's list."""

    id: int
    created_at: datetime
    student: str
    problem_id: int
    problem_name: str
    version: int
    language: str
    status: str
    verdict: str | None


@dataclass(frozen=True)
class SubmissionPage:
    """One page of the list, and how many match in all."""

    rows: list[SubmissionRow]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def version_history(session: Session, problem_id: int) -> list[VersionRow]:
    """Every version of the problem, newest first, with its tests and submissions."""
    versions = session.execute(
        select(
            ProblemVersion.id,
            ProblemVersion.version,
            ProblemVersion.name,
            ProblemVersion.created_at,
        )
        .where(ProblemVersion.problem_id == problem_id)
        .order_by(ProblemVersion.version.desc())
    ).all()
    ids = [row[0] for row in versions]
    tests = dict(
        session.execute(
            select(ProblemTest.version_id, func.count())
            .where(ProblemTest.version_id.in_(ids))
            .group_by(ProblemTest.version_id)
        ).all()
    )
    used = dict(
        session.execute(
            select(Submission.problem_version_id, func.count())
            .where(Submission.problem_version_id.in_(ids))
            .group_by(Submission.problem_version_id)
        ).all()
    )
    return [
        VersionRow(number, name, tests.get(version_id, 0), used.get(version_id, 0), created)
        for version_id, number, name, created in versions
    ]


def problem_choices(session: Session) -> list[tuple[int, str]]:
    """(id, latest name) of every problem, by name, for the problem filter."""
    latest = and_(
        ProblemVersion.problem_id == Problem.id, ProblemVersion.version == Problem.latest_version
    )
    rows = session.execute(
        select(Problem.id, ProblemVersion.name)
        .join(ProblemVersion, latest)
        .order_by(ProblemVersion.name, Problem.id)
    )
    return [(problem_id, name) for problem_id, name in rows]


def in_scope(viewer: User) -> bool:
    """Whether the viewer has an institution's submissions to see: admins see everyone's,
    a teacher those of their institution (none without one)."""
    return viewer.role == Role.ADMIN or viewer.institution_id is not None


def search_submissions(
    session: Session, viewer: User, filters: SubmissionFilters
) -> SubmissionPage:
    """The submissions the viewer may list, newest first, that match `filters`."""
    if not in_scope(viewer):
        return SubmissionPage([], 1, 0)
    query = _filtered(viewer, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(filters.page, max(1, -(-total // PAGE_SIZE))))
    rows = session.execute(
        query.order_by(Submission.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return SubmissionPage([SubmissionRow(*row) for row in rows], page, total)


def _filtered(
    viewer: User, filters: SubmissionFilters
) -> Select[int, datetime, str, int, str, int, str, str, str | None]:
    query = (
        select(
            Submission.id,
            Submission.created_at,
            User.name,
            ProblemVersion.problem_id,
            ProblemVersion.name,
            ProblemVersion.version,
            Submission.language,
            Submission.status,
            Submission.verdict,
        )
        .join(User, Submission.user_id == User.id)
        .join(ProblemVersion, Submission.problem_version_id == ProblemVersion.id)
    )
    if viewer.role != Role.ADMIN:
        query = query.where(User.institution_id == viewer.institution_id)
    if filters.problem_id is not None:
        query = query.where(ProblemVersion.problem_id == filters.problem_id)
    if filters.student:
        pattern = filters.student.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.name.ilike(f"%{pattern}%", escape="\\"))
    if filters.verdict == PENDING:
        query = query.where(Submission.verdict.is_(None))
    elif filters.verdict:
        query = query.where(Submission.verdict == filters.verdict)
    if filters.language:
        query = query.where(Submission.language == filters.language)
    return query

"""The problems as the student pages read them: as any signed-in user sees them (the rule
of GET /api/v1/problems: every problem, its latest version), with their samples."""

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion, TestVisibility
from batchjudge.db.submissions import Submission
from batchjudge.storage.blobs import BlobStore

#: Samples are shown up to this many bytes each (as GET /api/v1/problems/{id} does).
SAMPLE_PREVIEW_BYTES = 64 << 10


@dataclass(frozen=True)
class ProblemRow:
    """A problem in the list: its latest version's name and limits, and how the viewer's
    latest submission to it went (None: never submitted)."""

    id: int
    name: str
    time_limit_s: float
    memory_mb: int
    output_mb: int
    tests: int
    my_status: str | None = None
    my_verdict: str | None = None


@dataclass(frozen=True)
class Sample:
    """A sample test as students read it (truncated to SAMPLE_PREVIEW_BYTES)."""

    name: str
    input: str
    output: str
    truncated: bool


@dataclass(frozen=True)
class ProblemView:
    """A problem's latest version, with its statement source and samples."""

    row: ProblemRow
    version: int
    statement: str
    samples: list[Sample]


def latest_versions() -> Select[ProblemVersion, int]:
    """Each problem's latest version with its number of tests, oldest problem first."""
    tests = (
        select(func.count(ProblemTest.id))
        .where(ProblemTest.version_id == ProblemVersion.id)
        .scalar_subquery()
    )
    return (
        select(ProblemVersion, tests)
        .join(
            Problem,
            and_(
                Problem.id == ProblemVersion.problem_id,
                Problem.latest_version == ProblemVersion.version,
            ),
        )
        .order_by(Problem.id)
    )


def _row(version: ProblemVersion, tests: int, latest: tuple[str, str | None] | None) -> ProblemRow:
    return ProblemRow(
        id=version.problem_id,
        name=version.name,
        time_limit_s=version.time_limit_s,
        memory_mb=version.memory_mb,
        output_mb=version.output_mb,
        tests=tests,
        my_status=latest[0] if latest else None,
        my_verdict=latest[1] if latest else None,
    )


def fetch_problem_rows(session: Session, user_id: int) -> list[ProblemRow]:
    """Every problem (latest version), oldest first, with the viewer's latest outcome."""
    newest = (
        select(ProblemVersion.problem_id, func.max(Submission.id).label("id"))
        .join(Submission, Submission.problem_version_id == ProblemVersion.id)
        .where(Submission.user_id == user_id)
        .group_by(ProblemVersion.problem_id)
        .subquery()
    )
    latest = (
        select(ProblemVersion.problem_id, Submission.status, Submission.verdict)
        .join(newest, newest.c.id == Submission.id)
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
    )
    outcomes: dict[int, tuple[str, str | None]] = {
        problem_id: (status, verdict) for problem_id, status, verdict in session.execute(latest)
    }
    return [
        _row(version, tests, outcomes.get(version.problem_id))
        for version, tests in session.execute(latest_versions())
    ]


def _preview(store: BlobStore, digest: str) -> tuple[str, bool]:
    data = store.get(digest)
    return data[:SAMPLE_PREVIEW_BYTES].decode("utf-8", "replace"), len(data) > SAMPLE_PREVIEW_BYTES


def fetch_problem(
    session: Session, store: BlobStore, problem_id: int, every_sample: bool
) -> ProblemView | None:
    """The problem's latest version with its samples; None when there is no such problem.

    Students (`every_sample` False) get only the samples whose visibility is `full`, as
    from GET /api/v1/problems/{id}: a teacher who lowered a sample's visibility meant it.
    """
    found = session.execute(
        latest_versions().where(ProblemVersion.problem_id == problem_id)
    ).first()
    if found is None:
        return None
    version, tests = found
    samples = []
    for test in version.tests:
        if test.is_sample and (every_sample or test.visibility == TestVisibility.FULL):
            given, cut_in = _preview(store, test.input_hash)
            answer, cut_out = _preview(store, test.answer_hash)
            samples.append(Sample(test.name, given, answer, cut_in or cut_out))
    return ProblemView(_row(version, tests, None), version.version, version.statement, samples)


def fetch_last_language(session: Session, user_id: int) -> str | None:
    """The language of the viewer's latest submission, to preselect it."""
    return session.scalar(
        select(Submission.language)
        .where(Submission.user_id == user_id)
        .order_by(Submission.id.desc())
        .limit(1)
    )

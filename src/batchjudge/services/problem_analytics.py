"""How students fare on problems: per-problem counts for a teacher's list, and one
problem's verdicts, per-test pass rates and languages.

Figures cover the submissions to every version of a problem. A submission is *graded*
once its status is done; pass rates are over graded submissions. Per-test figures are
by test name (names survive re-uploads) and are given for the latest version's tests;
a submission that did not compile ran no test, so it counts in no test's figures.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion
from batchjudge.db.submissions import Submission, SubmissionStatus, TestResult
from batchjudge.domain.verdicts import Verdict

#: How many of the hardest tests a problem's analytics name.
HARDEST = 5
_ACCEPTED = Verdict.AC.value
_VERDICT_ORDER = {verdict.value: index for index, verdict in enumerate(Verdict)}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class ProblemFigures:
    """A problem in a teacher's list: its latest version and how submissions went."""

    problem_id: int
    name: str
    version: int
    tests: int
    submissions: int
    graded: int
    accepted: int

    @property
    def pass_rate(self) -> float | None:
        """Accepted share of the graded submissions; None before any is graded."""
        return _share(self.accepted, self.graded)


@dataclass(frozen=True)
class VerdictCount:
    """How many graded submissions ended with `verdict`."""

    verdict: str
    count: int
    share: float


@dataclass(frozen=True)
class TestPassRate:
    """How often a test of the latest version was passed when it ran."""

    __test__ = False  # not a pytest test class

    position: int
    name: str
    runs: int
    passed: int

    @property
    def rate(self) -> float | None:
        """Share of the runs that were AC; None when the test never ran."""
        return _share(self.passed, self.runs)


@dataclass(frozen=True)
class LanguageCount:
    """How many submissions (graded or not) used `language`."""

    language: str
    count: int
    share: float


@dataclass(frozen=True)
class ProblemAnalytics:
    """One problem's figures (see the module docstring for what counts)."""

    submissions: int
    graded: int
    verdicts: list[VerdictCount]
    tests: list[TestPassRate]
    hardest: list[TestPassRate]
    languages: list[LanguageCount]

    @property
    def pending(self) -> int:
        """Submissions not graded (yet): queued, running, or failed to grade."""
        return self.submissions - self.graded


def problem_figures(session: Session, owner_id: int | None) -> list[ProblemFigures]:
    """Every problem of the teacher `owner_id` (None: everyone's), newest first, with its
    latest version's name and test count and the counts of its submissions."""
    latest = and_(
        ProblemVersion.problem_id == Problem.id, ProblemVersion.version == Problem.latest_version
    )
    query = (
        select(Problem.id, ProblemVersion.id, ProblemVersion.name, ProblemVersion.version)
        .join(ProblemVersion, latest)
        .order_by(Problem.id.desc())
    )
    if owner_id is not None:
        query = query.where(Problem.owner_id == owner_id)
    problems = session.execute(query).all()
    if not problems:
        return []
    version_ids = [row[1] for row in problems]
    tests = dict(
        session.execute(
            select(ProblemTest.version_id, func.count())
            .where(ProblemTest.version_id.in_(version_ids))
            .group_by(ProblemTest.version_id)
        ).all()
    )
    counts = _submission_counts(session, [row[0] for row in problems])
    return [
        ProblemFigures(
            problem_id, name, version, tests.get(version_id, 0), *counts.get(problem_id, (0, 0, 0))
        )
        for problem_id, version_id, name, version in problems
    ]


def _submission_counts(session: Session, problem_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Problem id -> (submissions, graded, accepted)."""
    done = Submission.status == SubmissionStatus.DONE.value
    rows = session.execute(
        select(
            ProblemVersion.problem_id,
            func.count(Submission.id),
            func.count(case((done, 1))),
            func.count(case((and_(done, Submission.verdict == _ACCEPTED), 1))),
        )
        .select_from(Submission)
        .join(ProblemVersion, Submission.problem_version_id == ProblemVersion.id)
        .where(ProblemVersion.problem_id.in_(problem_ids))
        .group_by(ProblemVersion.problem_id)
    )
    return {problem_id: (total, graded, accepted) for problem_id, total, graded, accepted in rows}


def problem_analytics(session: Session, problem_id: int) -> ProblemAnalytics:
    """The figures of one problem over the submissions to all its versions."""
    of_problem = select(ProblemVersion.id).where(ProblemVersion.problem_id == problem_id)
    languages = _counts(
        session,
        select(Submission.language, func.count())
        .where(Submission.problem_version_id.in_(of_problem))
        .group_by(Submission.language),
    )
    verdicts = _counts(
        session,
        select(Submission.verdict, func.count())
        .where(
            Submission.problem_version_id.in_(of_problem),
            Submission.status == SubmissionStatus.DONE.value,
            Submission.verdict.is_not(None),
        )
        .group_by(Submission.verdict),
    )
    submissions, graded = sum(languages.values()), sum(verdicts.values())
    tests = _test_pass_rates(session, problem_id, of_problem)
    ranked = sorted(
        (t for t in tests if t.rate is not None and t.rate < 1),
        key=lambda t: (t.rate, -t.runs, t.position),
    )
    return ProblemAnalytics(
        submissions=submissions,
        graded=graded,
        verdicts=[
            VerdictCount(verdict, count, count / graded)
            for verdict, count in sorted(
                verdicts.items(), key=lambda item: (_VERDICT_ORDER.get(item[0], 99), item[0])
            )
        ],
        tests=tests,
        hardest=ranked[:HARDEST],
        languages=[
            LanguageCount(language, count, count / submissions)
            for language, count in sorted(languages.items(), key=lambda item: (-item[1], item[0]))
        ],
    )


def _counts(session: Session, query: Select[str | None, int]) -> Mapping[str, int]:
    return {str(key): count for key, count in session.execute(query)}


def _test_pass_rates(
    session: Session, problem_id: int, of_problem: Select[int]
) -> list[TestPassRate]:
    """Runs and passes per test name, for the tests of the latest version in run order."""
    passed = case((TestResult.verdict == _ACCEPTED, 1))
    figures = {
        name: (runs, ok)
        for name, runs, ok in session.execute(
            select(TestResult.name, func.count(), func.count(passed))
            .join(Submission, TestResult.submission_id == Submission.id)
            .where(
                Submission.problem_version_id.in_(of_problem),
                Submission.status == SubmissionStatus.DONE.value,
            )
            .group_by(TestResult.name)
        )
    }
    latest = session.execute(
        select(ProblemTest.position, ProblemTest.name)
        .join(ProblemVersion)
        .join(Problem, Problem.id == ProblemVersion.problem_id)
        .where(Problem.id == problem_id, ProblemVersion.version == Problem.latest_version)
        .order_by(ProblemTest.position)
    ).all()
    return [TestPassRate(position, name, *figures.get(name, (0, 0))) for position, name in latest]

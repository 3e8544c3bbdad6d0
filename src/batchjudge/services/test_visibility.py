"""What students see of each test of a problem, and teachers choosing it per test.

A choice is made on the latest version and carried to the same-named tests of the
earlier versions too, so that hiding a test hides it in every submission of the problem,
not only in those graded from now on. Teachers and admins always see everything.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion, TestVisibility
from batchjudge.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from batchjudge.services.submissions import latest_version


@dataclass(frozen=True)
class CaseVisibility:
    """One test of a version and what students see of it."""

    position: int
    name: str
    is_sample: bool
    visibility: TestVisibility


@dataclass(frozen=True)
class HiddenTally:
    """The hidden tests of a submission, as counts only: how many there are, how many
    have a result yet, and how many of those are not AC."""

    total: int
    graded: int
    failed: int


def sees_everything(user: User) -> bool:
    """Teachers and admins see every test in full, whatever its visibility."""
    return user.role in (Role.TEACHER, Role.ADMIN)


def visibility_of(version: ProblemVersion) -> list[CaseVisibility]:
    """The tests of `version` in run order, with their visibility."""
    return [
        CaseVisibility(test.position, test.name, test.is_sample, TestVisibility(test.visibility))
        for test in version.tests
    ]


def hidden_positions(session: Session, version_id: int) -> frozenset[int]:
    """Positions of the tests of a version that students may not see at all."""
    rows = session.scalars(
        select(ProblemTest.position).where(
            ProblemTest.version_id == version_id,
            ProblemTest.visibility == TestVisibility.HIDDEN.value,
        )
    )
    return frozenset(rows)


def tally_hidden(hidden: Iterable[int], verdicts: Mapping[int, str]) -> HiddenTally:
    """Counts over the `hidden` positions, given the verdicts stored so far by position."""
    positions = set(hidden)
    graded = [verdicts[p] for p in positions if p in verdicts]
    return HiddenTally(len(positions), len(graded), sum(v != "AC" for v in graded))


def parse_visibility(value: str) -> TestVisibility:
    """`value` as a visibility.

    Raises:
        InvalidInputError: not one of full, verdict, hidden.
    """
    try:
        return TestVisibility(value)
    except ValueError:
        allowed = ", ".join(v.value for v in TestVisibility)
        raise InvalidInputError(f"visibility {value!r} is not one of {allowed}") from None


def managed_problem(session: Session, user: User, problem_id: int) -> Problem:
    """The problem, when `user` may manage it: its owner (a teacher) or any admin.

    Raises:
        NotFoundError: no such problem.
        PermissionDeniedError: anyone else.
    """
    problem = session.get(Problem, problem_id)
    if problem is None:
        raise NotFoundError(f"there is no problem {problem_id}")
    if user.role == Role.ADMIN or (user.role == Role.TEACHER and problem.owner_id == user.id):
        return problem
    raise PermissionDeniedError(f"problem {problem_id} belongs to another teacher")


def set_visibility(
    session: Session, user: User, problem_id: int, choices: Mapping[str, TestVisibility]
) -> tuple[ProblemVersion, list[CaseVisibility]]:
    """Apply `choices` (test name -> visibility) to the latest version of the problem, and
    to the tests of the same names in its earlier versions.

    Returns:
        The latest version and all its tests with their visibility after the change.

    Raises:
        NotFoundError: no such problem.
        PermissionDeniedError: `user` is not the problem's teacher nor an admin.
        InvalidInputError: nothing to change, or a name that is not a test of the latest
            version (nothing is changed then).
    """
    problem = managed_problem(session, user, problem_id)
    version = latest_version(session, problem.id)
    if version is None:
        raise NotFoundError(f"problem {problem_id} has no version yet")
    if not choices:
        raise InvalidInputError("choose a visibility for at least one test")
    known = {test.name for test in version.tests}
    unknown = sorted(name for name in choices if name not in known)
    if unknown:
        listed = ", ".join(repr(name) for name in unknown[:5])
        raise InvalidInputError(
            f"version {version.version} of problem {problem_id} has no test {listed}"
        )
    for test in version.tests:
        if test.name in choices:
            test.visibility = choices[test.name]
    earlier = select(ProblemVersion.id).where(
        ProblemVersion.problem_id == problem.id, ProblemVersion.id != version.id
    )
    for name, visibility in choices.items():
        session.execute(
            update(ProblemTest)
            .where(ProblemTest.version_id.in_(earlier), ProblemTest.name == name)
            .values(visibility=visibility.value)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return version, visibility_of(version)

"""A problem version's test files checked against the hashes recorded at upload, and the
problem marked broken (or sound again) by what the check finds."""

import hashlib
import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from batchjudge.db.problems import Problem as ProblemRow
from batchjudge.db.problems import ProblemTest, ProblemVersion
from batchjudge.domain.errors import ProblemError
from batchjudge.problems.archive import ArchiveLimits
from batchjudge.problems.model import Problem
from batchjudge.services.problem_files import problem_for_version
from batchjudge.storage.blobs import BlobNotFoundError, BlobStore


class BrokenProblemError(ProblemError):
    """A problem's stored files are missing or damaged: no submission to it can be graded
    until they are restored or a new version is uploaded."""


def _cached_damage(tests: list[ProblemTest], problem: Problem) -> str | None:
    """What is wrong with the unpacked copy grading reads, or None."""
    if len(problem.cases) != len(tests):
        return f"the unpacked copy has {len(problem.cases)} tests, the upload had {len(tests)}"
    for test, case in zip(tests, problem.cases, strict=True):
        for part, read, digest in (
            ("input", case.read_input, test.input_hash),
            ("answer", case.read_answer, test.answer_hash),
        ):
            if hashlib.sha256(read()).hexdigest() != digest:
                return f"test {test.position + 1} ({test.name}) {part} differs from the upload"
    return None


def checked_problem(
    version: ProblemVersion,
    tests: list[ProblemTest],
    store: BlobStore,
    cache_root: Path,
    limits: ArchiveLimits,
) -> Problem:
    """The engine's view of `version` (`problem_for_version`), once every test's input
    and answer is intact: in the blob store, and in the unpacked copy. A damaged copy is
    unpacked again from the stored package.

    Raises:
        BrokenProblemError: a test file or the package is missing or damaged in the store.
    """
    for test in tests:
        for part, digest in (("input", test.input_hash), ("answer", test.answer_hash)):
            try:
                store.check(digest)
            except BlobNotFoundError as exc:
                where = f"test {test.position + 1} ({test.name}) {part}"
                raise BrokenProblemError(f"{where}: {exc}") from exc
    problem, damage = _unpacked(version, tests, store, cache_root, limits)
    if damage is not None:
        # The unpacked copy is derived data: start it again from the stored package.
        shutil.rmtree(cache_root / version.package_hash, ignore_errors=True)
        problem, damage = _unpacked(version, tests, store, cache_root, limits)
    if problem is None or damage is not None:
        raise BrokenProblemError(f"the package of version {version.version}: {damage}")
    return problem


def _unpacked(
    version: ProblemVersion,
    tests: list[ProblemTest],
    store: BlobStore,
    cache_root: Path,
    limits: ArchiveLimits,
) -> tuple[Problem | None, str | None]:
    try:
        problem = problem_for_version(version, store, cache_root, limits)
    except BlobNotFoundError as exc:
        raise BrokenProblemError(f"the package of version {version.version}: {exc}") from exc
    except (ProblemError, OSError) as exc:
        return None, str(exc)
    return problem, _cached_damage(tests, problem)


def mark_broken(session: Session, version: ProblemVersion, reason: str | None) -> None:
    """Record why `version`'s problem cannot be graded (None: it can), when `version` is
    the problem's latest; an older version's damage does not break the problem."""
    problem = session.get(ProblemRow, version.problem_id, with_for_update=True)
    if problem is not None and problem.latest_version == version.version:
        problem.broken_reason = reason

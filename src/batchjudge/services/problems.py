"""Importing problem packages: each upload becomes a new version with its tests stored."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion, TestVisibility
from batchjudge.domain.errors import NotFoundError, PermissionDeniedError, TooLargeError
from batchjudge.problems.archive import ArchiveLimits, extract_package
from batchjudge.problems.package import load_problem, load_statement
from batchjudge.storage.blobs import BlobStore


@dataclass(frozen=True)
class ImportedProblem:
    """What an upload created."""

    problem_id: int
    version: int
    name: str
    tests: int


def import_package(
    session: Session,
    store: BlobStore,
    owner: User,
    package: bytes,
    upload_name: str,
    limits: ArchiveLimits,
    problem_id: int | None = None,
    max_tests: int | None = None,
) -> ImportedProblem:
    """Validate the zip `package` and store it as a new problem, or as the next version of
    problem `problem_id`. Old versions (and the submissions that point at them) keep theirs.
    A package with more than `max_tests` tests (None: any number) is refused before any
    test is read.

    Raises:
        ProblemError: the package is malformed or unsafe (names the upload and the file).
        TooLargeError: it unpacks beyond `limits` or has more than `max_tests` tests.
        PermissionDeniedError: `owner` may not upload problems, or not to this problem.
        NotFoundError: `problem_id` does not exist.
    """
    if owner.role not in (Role.TEACHER, Role.ADMIN):
        raise PermissionDeniedError("only teachers and admins upload problems")
    with tempfile.TemporaryDirectory(prefix="bj-upload-") as folder:
        root = extract_package(package, Path(folder), upload_name, limits)
        # Messages name the package's own folder, or the upload, never our temp dir.
        label = root.name if root != Path(folder) else Path(upload_name).stem
        problem_files = load_problem(root, label)
        _check_test_count(len(problem_files.cases), max_tests, label)
        statement = load_statement(root, label)
        tests = [
            ProblemTest(
                position=position,
                name=case.name,
                is_sample=case.is_sample,
                input_hash=store.put(case.read_input()),
                answer_hash=store.put(case.read_answer()),
            )
            for position, case in enumerate(problem_files.cases)
        ]
    if problem_id is None:
        problem = Problem(owner_id=owner.id, institution_id=owner.institution_id, latest_version=0)
        session.add(problem)
    else:
        # Locked, so two simultaneous uploads cannot both become the same version.
        found = session.get(Problem, problem_id, with_for_update=True)
        if found is None:
            raise NotFoundError(f"there is no problem {problem_id}")
        if owner.role != Role.ADMIN and found.owner_id != owner.id:
            raise PermissionDeniedError(f"problem {problem_id} belongs to another teacher")
        problem = found
        keep_visibility(session, problem, tests)
    problem.latest_version += 1
    problem.broken_reason = None  # the new version's files were just stored, intact
    validation = problem_files.validation
    version = ProblemVersion(
        problem=problem,
        version=problem.latest_version,
        name=problem_files.name,
        time_limit_s=problem_files.limits.time_limit_s,
        memory_mb=problem_files.limits.memory_mb,
        output_mb=problem_files.limits.output_mb,
        validation=validation.kind,
        validator_flags=" ".join(validation.flags.raw),
        package_hash=store.put(package),
        statement=statement,
        tests=tests,
    )
    session.add(version)
    session.flush()
    return ImportedProblem(problem.id, version.version, version.name, len(tests))


def _check_test_count(count: int, max_tests: int | None, label: str) -> None:
    if max_tests is not None and count > max_tests:
        raise TooLargeError(
            f"{label}: the package has {count} tests; a problem may have at most {max_tests}"
        )


def keep_visibility(session: Session, problem: Problem, tests: list[ProblemTest]) -> None:
    """A re-upload keeps what the teacher chose for each test still there (by name)."""
    rows = session.execute(
        select(ProblemTest.name, ProblemTest.visibility)
        .join(ProblemVersion)
        .where(
            ProblemVersion.problem_id == problem.id,
            ProblemVersion.version == problem.latest_version,
        )
    ).all()
    chosen: dict[str, TestVisibility] = dict(rows)
    for test in tests:
        if test.name in chosen:
            test.visibility = chosen[test.name]

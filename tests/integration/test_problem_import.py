"""Uploading a problem package: validated, stored by content, versioned, on both databases."""

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_session_factory
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.domain.errors import NotFoundError, PermissionDeniedError, ProblemError
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.services.accounts import create_user
from batchjudge.services.problems import import_package
from batchjudge.storage.blobs import BlobStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum-pairs"
LIMITS = ArchiveLimits()


def test_an_upload_stores_every_test_by_content(engine: Engine, tmp_path: Path):
    store = BlobStore(tmp_path / "blobs")
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        session.flush()
        imported = import_package(session, store, teacher, zip_folder(EXAMPLE), "s.zip", LIMITS)
    assert (imported.version, imported.tests) == (1, 40)
    with sessions() as session:
        version = session.scalars(select(ProblemVersion)).one()
        assert version.time_limit_s == 1.0
        first = version.tests[0]
        assert (first.name, first.is_sample) == ("sample/1", True)
        assert store.get(first.input_hash) == (EXAMPLE / "data/sample/1.in").read_bytes()
        assert store.get(first.answer_hash) == (EXAMPLE / "data/sample/1.ans").read_bytes()
        assert [t.position for t in version.tests] == list(range(40))


def test_a_reupload_adds_a_version_and_keeps_the_old_one(engine: Engine, tmp_path: Path):
    store = BlobStore(tmp_path / "blobs")
    sessions = make_session_factory(engine)
    package = zip_folder(EXAMPLE)
    with sessions.begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        session.flush()
        first = import_package(session, store, teacher, package, "s.zip", LIMITS)
        second = import_package(
            session, store, teacher, package, "s.zip", LIMITS, problem_id=first.problem_id
        )
    assert (first.problem_id, second.version) == (second.problem_id, 2)
    with sessions() as session:
        problem = session.get_one(Problem, first.problem_id)
        assert [v.version for v in problem.versions] == [1, 2]
        assert problem.latest_version == 2


def test_roles_and_owners_are_checked(engine: Engine, tmp_path: Path):
    store = BlobStore(tmp_path / "blobs")
    sessions = make_session_factory(engine)
    package = zip_folder(EXAMPLE)
    with sessions.begin() as session:
        student, _ = create_user(session, "student", Role.STUDENT)
        owner, _ = create_user(session, "owner", Role.TEACHER)
        other, _ = create_user(session, "other", Role.TEACHER)
        session.flush()
        with pytest.raises(PermissionDeniedError, match="teachers and admins"):
            import_package(session, store, student, package, "s.zip", LIMITS)
        mine = import_package(session, store, owner, package, "s.zip", LIMITS)
        with pytest.raises(PermissionDeniedError, match="another teacher"):
            import_package(session, store, other, package, "s.zip", LIMITS, mine.problem_id)
        with pytest.raises(NotFoundError):
            import_package(session, store, owner, package, "s.zip", LIMITS, problem_id=999)


def _refused(engine: Engine, store: Path, upload: str, entries: dict[str, str]) -> str:
    """The ProblemError message a teacher's upload of `entries` gets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    with make_session_factory(engine).begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        session.flush()
        with pytest.raises(ProblemError) as refused:
            import_package(session, BlobStore(store), teacher, buffer.getvalue(), upload, LIMITS)
    return str(refused.value)


def test_a_malformed_package_names_the_problem_and_the_file(engine: Engine, tmp_path: Path):
    message = _refused(
        engine,
        tmp_path,
        "b.zip",
        {
            "broken/problem.yaml": "name: broken\nlimits: {time_limit: -1}\n",
            "broken/data/secret/1.in": "1\n",
            "broken/data/secret/1.ans": "1\n",
        },
    )
    assert message.startswith("broken: problem.yaml")


def test_an_unwrapped_package_is_named_after_its_upload(engine: Engine, tmp_path: Path):
    message = _refused(
        engine,
        tmp_path,
        "mytask.zip",
        {
            "problem.yaml": "name: x\nvalidation: nonsense\n",
            "data/secret/1.in": "1\n",
            "data/secret/1.ans": "1\n",
        },
    )
    assert message.startswith("mytask: problem.yaml")

"""The schema and its migrations, on SQLite (the embedded default) and on PostgreSQL."""

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.command import downgrade
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import alembic_config, current_revision, head_revision, upgrade
from batchjudge.db.models import (
    ApiToken,
    Base,
    Execution,
    Institution,
    Problem,
    ProblemTest,
    ProblemVersion,
    Role,
    Submission,
    SubmissionStatus,
    TestResult,
    User,
)


def test_upgrade_creates_every_table_and_records_the_head(database_url: str):
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    upgrade(database_url)  # a second upgrade is a no-op


def test_the_migrations_match_the_models(engine: Engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_back(database_url: str):
    upgrade(database_url)
    downgrade(alembic_config(database_url), "base")
    engine = make_engine(database_url)
    try:
        assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    upgrade(database_url)


def _graded_submission(engine: Engine) -> int:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        school = Institution(name="Northside")
        teacher = User(name="teacher", role=Role.TEACHER, institution=school)
        student = User(name="student", role=Role.STUDENT, institution=school)
        session.add_all([school, teacher, student])
        session.add(ApiToken(user=student, token_hash="ab" * 32))
        problem = Problem(owner_id=0, latest_version=1)
        session.flush()
        problem.owner_id = teacher.id
        version = ProblemVersion(
            problem=problem,
            version=1,
            name="sum",
            time_limit_s=1.0,
            memory_mb=256,
            output_mb=8,
            validation="default",
            package_hash="cd" * 32,
        )
        version.tests = [
            ProblemTest(
                position=0, name="sample/1", is_sample=True, input_hash="1", answer_hash="2"
            ),
            ProblemTest(
                position=1, name="secret/1", is_sample=False, input_hash="3", answer_hash="4"
            ),
        ]
        session.add(version)
        session.flush()
        submission = Submission(
            user_id=student.id,
            problem_version_id=version.id,
            language="cpp17",
            style="solve",
            mode="multi",
            source="void solve() {}",
            status=SubmissionStatus.DONE,
            verdict="WA",
        )
        submission.results = [
            TestResult(position=0, name="sample/1", verdict="AC", time_s=0.01, memory_kb=3000),
            TestResult(position=1, name="secret/1", verdict="WA", time_s=0.02, memory_kb=3100),
        ]
        submission.executions = [
            Execution(kind="compile", backend="local", tests_covered=0, duration_s=0.4),
            Execution(kind="run", backend="local", tests_covered=2, duration_s=0.05),
        ]
        session.add(submission)
        session.flush()
        return submission.id


def test_a_graded_submission_round_trips(engine: Engine):
    submission_id = _graded_submission(engine)
    with make_session_factory(engine)() as session:
        stored = session.get_one(Submission, submission_id)
        assert stored.status == SubmissionStatus.DONE
        assert [r.verdict for r in stored.results] == ["AC", "WA"]
        assert sorted(e.kind for e in stored.executions) == ["compile", "run"]
        version = session.get_one(ProblemVersion, stored.problem_version_id)
        assert [t.name for t in version.tests] == ["sample/1", "secret/1"]
        assert stored.created_at.tzinfo is not None
        token = session.scalars(select(ApiToken)).one()
        assert token.user.role == Role.STUDENT


def test_a_second_set_of_results_is_refused(engine: Engine):
    submission_id = _graded_submission(engine)
    sessions = make_session_factory(engine)
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(
            TestResult(
                submission_id=submission_id,
                position=1,
                name="secret/1",
                verdict="AC",
                time_s=0.0,
                memory_kb=0,
            )
        )


def test_foreign_keys_are_enforced(engine: Engine):
    sessions = make_session_factory(engine)
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(User(name="orphan", role=Role.STUDENT, institution_id=999))


def test_a_problem_version_is_unique_per_problem(engine: Engine):
    _graded_submission(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        problem_id = session.scalars(select(Problem.id)).one()
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(
            ProblemVersion(
                problem_id=problem_id,
                version=1,
                name="again",
                time_limit_s=1.0,
                memory_mb=1,
                output_mb=1,
                validation="default",
                package_hash="",
            )
        )


def test_db_upgrade_command(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    result = subprocess.run(
        [sys.executable, "-m", "batchjudge", "db", "upgrade"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"is at revision {head_revision()}" in result.stdout
    assert (data / "batchjudge.sqlite3").exists()


def test_db_upgrade_against_an_unreachable_server_is_one_line(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "batchjudge", "db", "upgrade"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "BATCHJUDGE_DATA_DIR": str(tmp_path),
            "BATCHJUDGE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        },
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot upgrade the database")
    assert len(result.stderr.strip().splitlines()) == 1

"""The service in-process for the monitoring tests: users with tokens, and rows seeded
straight into the database (submissions, executions, test results)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.service.app import create_app
from batchjudge.service.state import ServiceState
from batchjudge.services.accounts import create_user
from batchjudge.settings import Settings


@dataclass
class Service:
    """A running app, its engine (for seeding) and a token per role."""

    client: TestClient
    engine: Engine
    tokens: dict[str, str]
    admin_id: int

    @property
    def state(self) -> ServiceState:
        state = self.client.app.state.service  # type: ignore[attr-defined]
        assert isinstance(state, ServiceState)
        return state

    def get(self, path: str, who: str | None = None, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.get(path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, who: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.post(path, headers=headers, **kwargs)  # type: ignore[arg-type]


def seed_users(engine: Engine) -> tuple[dict[str, str], int]:
    """An admin, a teacher and a student: (token by role name, the admin's id)."""
    tokens = {}
    with make_session_factory(engine).begin() as session:
        admin, tokens["admin"] = create_user(session, "admin", Role.ADMIN)
        _, tokens["teacher"] = create_user(session, "teacher", Role.TEACHER)
        _, tokens["student"] = create_user(session, "student", Role.STUDENT)
        session.flush()
        admin_id = admin.id
    return tokens, admin_id


@contextmanager
def running_service(
    database_url: str, data_dir: Path, users: "Service | None" = None, **overrides: object
) -> Iterator[Service]:
    """The app on a migrated database, started (lifespan run) and stopped around the
    block; a server error answers 500 instead of raising in the test. `users`: another
    service on the same database whose users and tokens to share."""
    upgrade(database_url)
    engine = make_engine(database_url)
    tokens, admin_id = (users.tokens, users.admin_id) if users else seed_users(engine)
    settings = Settings(data_dir=data_dir, database_url=database_url, **overrides)  # type: ignore[arg-type]
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Service(client, engine, tokens, admin_id)
    finally:
        engine.dispose()


def seed_version(engine: Engine, owner_id: int) -> int:
    """A problem version with no package behind it (enough for counting rows)."""
    with make_session_factory(engine).begin() as session:
        problem = Problem(owner_id=owner_id, latest_version=1)
        session.add(problem)
        session.flush()
        version = ProblemVersion(
            problem_id=problem.id,
            version=1,
            name="seeded",
            time_limit_s=1.0,
            memory_mb=256,
            output_mb=8,
            validation="default",
            package_hash="0" * 64,
        )
        session.add(version)
        session.flush()
        return version.id


def seed_submission(
    engine: Engine,
    user_id: int,
    version_id: int,
    status: SubmissionStatus,
    *,
    age: timedelta = timedelta(0),
    tests: int = 0,
    executions: tuple[tuple[str, str, int], ...] = (),
    source: str = "print(1)\n",
) -> int:
    """A submission `age` old with `tests` results and `executions` as (kind, backend,
    tests covered)."""
    with make_session_factory(engine).begin() as session:
        row = Submission(
            user_id=user_id,
            problem_version_id=version_id,
            language="python3",
            style="program",
            mode="multi",
            source=source,
            status=status,
            created_at=datetime.now(UTC) - age,
        )
        session.add(row)
        session.flush()
        for position in range(tests):
            session.add(
                TestResult(
                    submission_id=row.id,
                    position=position,
                    name=f"t{position}",
                    verdict="AC",
                    time_s=0.01,
                    memory_kb=1000,
                )
            )
        for kind, backend, covered in executions:
            session.add(
                Execution(
                    submission_id=row.id,
                    kind=kind,
                    backend=backend,
                    tests_covered=covered,
                    duration_s=0.1,
                )
            )
        return row.id

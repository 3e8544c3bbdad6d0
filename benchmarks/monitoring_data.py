"""Bulk data for the monitoring benchmark: submissions, their test results and executions,
feedback and users, spread over the last 40 days (deterministic for a given seed).

Rows go in with the driver's fastest path (COPY on PostgreSQL, executemany on SQLite),
in the exact formats SQLAlchemy itself writes, then the database is ANALYZEd.
"""

import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_session_factory
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.services.accounts import create_user, hash_token

LANGUAGES = ("python3", "cpp17", "java21", "c", "javascript")
SPREAD = timedelta(days=40)


@dataclass
class Tables:
    """Rows per table, in column order."""

    users: list[tuple[Any, ...]] = field(default_factory=list)
    tokens: list[tuple[Any, ...]] = field(default_factory=list)
    submissions: list[tuple[Any, ...]] = field(default_factory=list)
    results: list[tuple[Any, ...]] = field(default_factory=list)
    executions: list[tuple[Any, ...]] = field(default_factory=list)
    feedback: list[tuple[Any, ...]] = field(default_factory=list)


COLUMNS = {
    "users": ("id", "name", "role", "institution_id", "active", "created_at"),
    "api_tokens": (
        "id", "user_id", "token_hash", "label", "created_at", "expires_at", "revoked_at",
        "last_used_at",
    ),
    "submissions": (
        "id", "user_id", "problem_version_id", "language", "style", "mode", "source", "status",
        "verdict", "message", "compile_ok", "compile_output", "compile_time_s", "attempts",
        "created_at", "started_at", "finished_at",
    ),
    "test_results": (
        "submission_id", "position", "name", "verdict", "time_s", "memory_kb", "message",
        "output_preview",
    ),
    "executions": (
        "submission_id", "kind", "backend", "tests_covered", "duration_s", "outcome",
        "created_at",
    ),
    "feedback": (
        "submission_id", "user_id", "rating", "comment", "created_at", "updated_at",
    ),
}  # fmt: skip


def _row(kind: str, backend: str, tests: int, outcome: str, at: datetime) -> tuple[Any, ...]:
    return (kind, backend, tests, 0.25, outcome, at)


def _executions(
    rng: random.Random, tests: int, status: str, at: datetime
) -> tuple[str, list[tuple[Any, ...]]]:
    """(mode, two execution rows without the submission id) for one submission."""
    if status == "failed":
        return "auto", [
            _row("fallback", "judge0", 0, "local", at),
            _row("compile", "local", 0, "", at),
        ]
    pick = rng.random()
    if pick < 0.60:  # local, one batch
        return "multi", [_row("compile", "local", 0, "", at), _row("run", "local", tests, "", at)]
    if pick < 0.80:  # Judge0, one batch and one poll
        return "multi", [
            _row("run", "judge0", tests, "201", at),
            _row("poll", "judge0", 0, "200", at),
        ]
    if pick < 0.95:  # single mode, two tests
        return "single", [_row("run", "local", 1, "", at), _row("run", "local", 1, "", at)]
    crash = max(1, tests // 2)  # a crash halfway: the rest runs again
    return "multi", [
        _row("run", "local", crash, "", at),
        _row("run", "local", tests - crash, "", at),
    ]


def generate(
    now: datetime,
    submissions: int,
    students: int,
    version_ids: Sequence[int],
    first_user_id: int,
    seed: int = 7,
) -> Tables:
    """Every row; exactly two executions per submission."""
    rng = random.Random(seed)
    tables = Tables()
    for index in range(students):
        user_id = first_user_id + index
        created = now - SPREAD - timedelta(days=rng.random() * 30)
        tables.users.append(
            (user_id, f"bench-student-{index}", Role.STUDENT.value, None, True, created)
        )
        used = now - timedelta(days=rng.random() * 45) if rng.random() < 0.8 else None
        tables.tokens.append(
            (user_id, user_id, hash_token(secrets.token_hex(16)), "", created, None, None, used)
        )  # fmt: skip
    for submission_id in range(1, submissions + 1):
        created = now - SPREAD * rng.random()
        started = created + timedelta(seconds=rng.expovariate(1 / 2.0))
        finished = started + timedelta(seconds=0.2 + rng.expovariate(1 / 3.0))
        status = "failed" if rng.random() < 0.01 else "done"
        tests = rng.randint(1, 24) if status == "done" else 0
        mode, executions = _executions(rng, tests, status, finished)
        if mode == "single":
            tests = 2
        verdict = "IE" if status == "failed" else rng.choice(("AC", "AC", "AC", "WA", "WA", "TLE"))
        user_id = first_user_id + rng.randrange(students)
        tables.submissions.append((
            submission_id, user_id, rng.choice(version_ids), rng.choice(LANGUAGES),
            rng.choice(("solve", "program")), mode, "", status, verdict, "", True, "", 0.5,
            1, created, started, finished,
        ))  # fmt: skip
        for position in range(tests):
            failed = verdict != "AC" and position == tests - 1
            tables.results.append((
                submission_id, position, f"secret/{position:02d}", verdict if failed else "AC",
                0.01, 2048, "", None,
            ))  # fmt: skip
        tables.executions += [(submission_id, *row) for row in executions]
        if rng.random() < 0.1:
            tables.feedback.append(
                (submission_id, user_id, rng.randint(1, 5), "", finished, finished)
            )
    return tables


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy's SQLite DATETIME format, UTC without offset; keeps string order = time order.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _load(engine: Engine, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    columns = COLUMNS[table]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                ([_sqlite_value(v) for v in row] for row in rows),
            )
        raw.commit()
    finally:
        raw.close()


def _fix_sequences(engine: Engine) -> None:
    """PostgreSQL serials do not see ids written by COPY: move them past the data."""
    if engine.dialect.name != "postgresql":
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in ("users", "api_tokens", "submissions"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        raw.commit()
    finally:
        raw.close()


def _analyze(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def seed(engine: Engine, submissions: int, students: int) -> tuple[dict[str, str], dict[str, int]]:
    """Fill a migrated, empty database; return the staff tokens and the row counts."""
    now = datetime.now(UTC)
    sessions = make_session_factory(engine)
    tokens = {}
    with sessions.begin() as session:
        for name, role in (("admin", Role.ADMIN), ("teacher", Role.TEACHER)):
            user, tokens[name] = create_user(session, f"bench-{name}", role)
        session.flush()
        teacher_id = user.id
        versions = []
        for number in range(50):
            problem = Problem(owner_id=teacher_id, latest_version=1)
            session.add(problem)
            session.flush()
            version = ProblemVersion(
                problem_id=problem.id, version=1, name=f"problem {number}", time_limit_s=1.0,
                memory_mb=256, output_mb=8, validation="default", package_hash="0" * 64,
            )  # fmt: skip
            session.add(version)
            session.flush()
            versions.append(version.id)
        first_user_id = teacher_id + 1
    tables = generate(now, submissions, students, versions, first_user_id)
    _load(engine, "users", tables.users)
    token_rows = [(i + 1000, *row[1:]) for i, row in enumerate(tables.tokens)]
    _load(engine, "api_tokens", token_rows)
    _load(engine, "submissions", tables.submissions)
    _load(engine, "test_results", tables.results)
    _load(engine, "executions", tables.executions)
    _load(engine, "feedback", tables.feedback)
    _fix_sequences(engine)
    _analyze(engine)
    counts = {
        "submissions": len(tables.submissions),
        "executions": len(tables.executions),
        "test_results": len(tables.results),
        "feedback": len(tables.feedback),
        "users": len(tables.users) + 2,
    }
    return tokens, counts

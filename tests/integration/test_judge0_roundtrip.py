"""Acceptance: batchjudge graded through a Judge0 server, where that server is another
batchjudge's `/judge0` API. The golden suite gets the local backend's per-test verdicts,
a passing 40-test submission costs one create call and at most three polls, and a
submission failing k tests costs at most k + 1 create calls."""

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from batchjudge.domain.reports import ExecutionKind, GradeReport
from batchjudge.domain.styles import Mode
from batchjudge.execution.factory import local_backend
from batchjudge.execution.judge0 import judge0_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.judge0.key_pool import StaticKeyPool
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import zip_folder
from batchjudge.problems.package import load_problem
from batchjudge.settings import BackendKind, Judge0Auth, Settings
from support.golden import GoldenCase, golden_cases, verdicts_of
from support.service_process import ServiceProcess, new_data_dir, token_of

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum-pairs"


@pytest.fixture(scope="module")
def judge0_server() -> Iterator[tuple[ServiceProcess, str]]:
    """The first batchjudge, whose `/judge0` API the second one uses as its Judge0."""
    data = new_data_dir("bj-judge0-server-")
    server = ServiceProcess(data, f"sqlite:///{data / 'db.sqlite3'}")
    server.cli("db", "upgrade")
    # An integration account: staff, so it gets the staff rate limit, not a student's.
    token = token_of(server.cli("users", "create", "remote-grader", "--role", "teacher"))
    server.start(token)
    yield server, token
    server.stop()
    subprocess.run(["rm", "-rf", str(data)], check=False)


def _remote_settings(sandbox_settings: Settings, endpoint: str) -> Settings:
    return sandbox_settings.model_copy(
        update={
            "backend": BackendKind.JUDGE0,
            "judge0_url": endpoint,
            "judge0_auth": Judge0Auth.TOKEN,
        }
    )


async def _grade_all(
    cases: list[GoldenCase], settings: Settings, token: str, registry: LanguageRegistry
) -> list[GradeReport]:
    async with (
        judge0_backend(settings, StaticKeyPool(token)) as remote,
        local_backend(settings) as local,
    ):
        # The first server has two sandbox slots: keep a few submissions in flight.
        gate = asyncio.Semaphore(3)

        async def one(case: GoldenCase) -> GradeReport:
            problem = load_problem(case.problem)
            submission = Submission(
                registry.for_file(case.source), case.source.read_text(), case.style
            )
            async with gate:
                return await grade(
                    problem,
                    submission,
                    remote,
                    registry,
                    GradeOptions(mode=Mode.MULTI),
                    checker_backend=local,
                )

        return list(await asyncio.gather(*(one(case) for case in cases)))


def _count(report: GradeReport, kind: ExecutionKind) -> int:
    return sum(1 for e in report.executions if e.kind is kind)


def test_the_golden_suite_through_judge0_gets_the_local_verdicts(
    judge0_server: tuple[ServiceProcess, str],
    sandbox_settings: Settings,
    registry: LanguageRegistry,
):
    server, token = judge0_server
    cases = golden_cases()
    settings = _remote_settings(sandbox_settings, server.judge0_endpoint)
    reports = asyncio.run(_grade_all(cases, settings, token, registry))
    mismatches = []
    for case, report in zip(cases, reports, strict=True):
        if verdicts_of(report) != case.verdicts:
            details = [(t.name, t.verdict.value, t.message[:200]) for t in report.tests]
            mismatches.append((case.source.name, report.compile.output[:300], details))
            continue
        failures = sum(1 for v in case.verdicts if v not in ("AC", "WA"))
        if report.tests:
            assert _count(report, ExecutionKind.RUN) <= failures + 1, case.source
            assert report.compile.ok
    assert mismatches == [], "\n".join(map(str, mismatches))


# Poll counts follow wall time; languages without a compile keep them clear of a loaded
# machine's noise (a compile under load can need a fourth poll).
@pytest.mark.parametrize("source", ["main.py", "solve.js"])
def test_a_passing_40_test_submission_costs_one_create_and_at_most_three_polls(
    judge0_server: tuple[ServiceProcess, str],
    sandbox_settings: Settings,
    registry: LanguageRegistry,
    source: str,
):
    server, token = judge0_server
    settings = _remote_settings(sandbox_settings, server.judge0_endpoint)
    problem = load_problem(EXAMPLE)
    path = EXAMPLE / "submissions" / source
    submission = Submission(registry.for_file(path), path.read_text())

    async def run() -> GradeReport:
        async with (
            judge0_backend(settings, StaticKeyPool(token)) as remote,
            local_backend(settings) as local,
        ):
            return await grade(
                problem, submission, remote, registry, GradeOptions(), checker_backend=local
            )

    report = asyncio.run(run())
    assert len(report.tests) == 40
    assert {t.verdict.value for t in report.tests} == {"AC"}
    assert _count(report, ExecutionKind.RUN) == 1
    assert _count(report, ExecutionKind.POLL) <= 3
    assert _count(report, ExecutionKind.RETRY) == 0


def test_a_second_server_with_backend_judge0_grades_through_the_first(
    judge0_server: tuple[ServiceProcess, str],
):
    first, remote_token = judge0_server
    data = new_data_dir("bj-judge0-client-")
    database = data / "db.sqlite3"
    second = ServiceProcess(
        data,
        f"sqlite:///{database}",
        BATCHJUDGE_BACKEND="judge0",
        BATCHJUDGE_JUDGE0_URL=first.judge0_endpoint,
        BATCHJUDGE_JUDGE0_AUTH="token",
    )
    try:
        second.cli("db", "upgrade")
        second.cli("keys", "add", "first-server", stdin=remote_token + "\n")
        teacher = token_of(second.cli("users", "create", "teacher", "--role", "teacher"))
        student = token_of(second.cli("users", "create", "student"))
        second.start(student)
        with second.client(teacher) as client:
            files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
            problem_id = client.post("/api/v1/problems", files=files).json()["id"]
        with second.client(student) as client:
            sources = {"main.py": "python3", "wrong.c": "c"}
            ids = {
                name: client.post(
                    "/api/v1/submissions",
                    json={
                        "problem_id": problem_id,
                        "language": language,
                        "source": (EXAMPLE / "submissions" / name).read_text(),
                    },
                ).json()["id"]
                for name, language in sources.items()
            }
            bodies = {name: _finished(client, submission_id) for name, submission_id in ids.items()}
        assert bodies["main.py"]["verdict"] == "AC", bodies["main.py"]
        assert bodies["wrong.c"]["verdict"] == "WA", bodies["wrong.c"]
        assert all(len(body["tests"]) == 40 for body in bodies.values())
        with sqlite3.connect(database) as db:
            rows = db.execute(
                "SELECT submission_id, kind, backend FROM executions ORDER BY id"
            ).fetchall()
        for submission_id in ids.values():
            kinds = [kind for sid, kind, backend in rows if sid == submission_id]
            assert kinds.count("run") == 1, rows
            assert {backend for sid, _, backend in rows if sid == submission_id} == {"judge0"}
        assert remote_token not in (data / "server.log").read_text()
    finally:
        second.stop()
        subprocess.run(["rm", "-rf", str(data)], check=False)


def _finished(client: httpx.Client, submission_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(f"/api/v1/submissions/{submission_id}").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"submission {submission_id} did not finish: {body}")


def test_the_grade_command_with_backend_judge0(
    judge0_server: tuple[ServiceProcess, str], reachable_dir: Path
):
    first, remote_token = judge0_server
    env = {
        "PATH": "/usr/bin:/bin",
        "BATCHJUDGE_DATA_DIR": str(reachable_dir),
        "BATCHJUDGE_BACKEND": "judge0",
        "BATCHJUDGE_JUDGE0_URL": first.judge0_endpoint,
        "BATCHJUDGE_JUDGE0_AUTH": "token",
    }

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "batchjudge", *args],
            capture_output=True,
            text=True,
            input=stdin,
            env=env,
            check=False,
        )

    assert cli("db", "upgrade").returncode == 0
    assert cli("keys", "add", "first-server", stdin=remote_token).returncode == 0
    graded = cli("grade", str(EXAMPLE), str(EXAMPLE / "submissions" / "solve.js"), "--json")
    assert graded.returncode == 0, graded.stderr
    report = json.loads(graded.stdout)
    assert (report["verdict"], report["executions"], len(report["tests"])) == ("AC", 1, 40)
    assert remote_token not in graded.stdout + graded.stderr

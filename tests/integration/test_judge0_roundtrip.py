"""Acceptance: batchjudge graded through a Judge0 server, where that server is another
batchjudge's `/judge0` API. The golden suite gets the local backend's per-test verdicts,
a passing 40-test submission costs one create call and at most three polls, and a
submission failing k tests costs at most k + 1 create calls."""

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

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
    token = token_of(server.cli("users", "create", "remote-grader"))
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


@pytest.mark.parametrize("source", ["main.py", "solve.cpp"])
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

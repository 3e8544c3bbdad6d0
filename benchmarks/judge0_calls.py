"""Judge0 calls per submission: multi-test against one Judge0 submission per test.

Run with `make bench-judge0` (or `.venv/bin/python benchmarks/judge0_calls.py`). It starts
a `batchjudge serve` whose `/judge0` API stands in for a Judge0 server, then grades the
40-test sum-pairs example through the Judge0 backend twice per submission, side by side:
`multi` (our planner) and `single` (one Judge0 submission per test, which is what a
per-test Judge0 client pays). Every HTTP request is counted: creates, polls and retries.
"""

import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from service import cli, free_port, wait_for

from batchjudge.domain.reports import GradeReport
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

REPO = Path(__file__).resolve().parents[1]
PROBLEM = REPO / "examples" / "sum-pairs"
SUBMISSIONS = ("main.py", "solve.cpp", "Solve.java", "solve.js", "wrong.c", "slow.py")


async def _grade(settings: Settings, token: str, source: Path, mode: Mode) -> GradeReport:
    registry = LanguageRegistry.load()
    submission = Submission(registry.for_file(source), source.read_text())
    async with (
        judge0_backend(settings, StaticKeyPool(token)) as remote,
        local_backend(settings) as local,
    ):
        return await grade(
            load_problem(PROBLEM),
            submission,
            remote,
            registry,
            GradeOptions(mode=mode),
            checker_backend=local,
        )


def _calls(report: GradeReport) -> Counter[str]:
    kinds = Counter(e.kind.value for e in report.executions)
    return Counter({"create": kinds["run"], "poll": kinds["poll"], "other": kinds["retry"]})


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="bj-bench-judge0-", dir="/var/tmp"))
    data.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data / "server")}
    cli(env, "db", "upgrade")
    # Staff: the one-submission-per-test mode sends 40 at once, over a student's limit.
    token = cli(env, "users", "create", "grader", "--role", "teacher").split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "batchjudge", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    settings = Settings(
        data_dir=data / "client",
        backend=BackendKind.JUDGE0,
        judge0_url=f"http://127.0.0.1:{port}/judge0",
        judge0_auth=Judge0Auth.TOKEN,
    )
    rows = []
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            wait_for(client, 60)
        for name in SUBMISSIONS:
            source = PROBLEM / "submissions" / name
            measured = {}
            for mode in (Mode.MULTI, Mode.SINGLE):
                started = time.monotonic()
                report = asyncio.run(_grade(settings, token, source, mode))
                measured[mode] = (report, _calls(report), time.monotonic() - started)
            rows.append((name, measured))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)
    print(f"\n{PROBLEM.name}: 40 tests, graded through a batchjudge /judge0 server\n")
    print(
        "| submission | verdict | multi: creates + polls = calls | single: creates + polls"
        " = calls | calls saved | multi wall | single wall |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, measured in rows:
        multi, multi_calls, multi_s = measured[Mode.MULTI]
        single, single_calls, single_s = measured[Mode.SINGLE]
        verdicts = [t.verdict for t in multi.tests]
        assert verdicts == [t.verdict for t in single.tests], name
        total_multi = sum(multi_calls.values())
        total_single = sum(single_calls.values())
        print(
            f"| {name} | {multi.verdict.value} "
            f"| {multi_calls['create']} + {multi_calls['poll']} = {total_multi} "
            f"| {single_calls['create']} + {single_calls['poll']} = {total_single} "
            f"| {1 - total_multi / total_single:.0%} | {multi_s:.1f} s | {single_s:.1f} s |"
        )


if __name__ == "__main__":
    main()

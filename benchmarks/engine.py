"""Engine benchmark: bare floor vs single vs multi (cold and warm compile cache), per language.

Run with `make bench` (or `.venv/bin/python benchmarks/engine.py [--reps N] [--tests N]`).
Every column is measured in this one run, interleaved per language, so the ratios are
comparable even on a noisy machine.
"""

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.backend import LocalBackend
from batchjudge.execution.local.compile_cache import CompileCache
from batchjudge.execution.local.prepared import PreparedStore
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.sandbox import LocalSandbox, SandboxConfig
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.model import Problem
from batchjudge.problems.package import load_problem

PROGRAMS = Path(__file__).resolve().parent / "programs"
JDK = "/usr/lib/jvm/java-17-openjdk-amd64/bin"
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


@dataclass(frozen=True)
class Bare:
    """How the language is compiled and run with no sandbox and no driver."""

    language: str
    source: str
    compile: list[str] | None
    run: list[str]


BARE = [
    Bare(
        "c",
        "stats.c",
        ["/usr/bin/gcc", "-std=gnu17", "-O2", "stats.c", "-o", "prog", "-lm"],
        ["./prog"],
    ),
    Bare(
        "cpp17",
        "stats.cpp",
        ["/usr/bin/g++", "-std=gnu++17", "-O2", "stats.cpp", "-o", "prog"],
        ["./prog"],
    ),
    Bare("python3", "stats.py", None, ["/usr/bin/python3", "stats.py"]),
    Bare(
        "java",
        "Stats.java",
        [f"{JDK}/javac", "-d", "out", "Stats.java"],
        [f"{JDK}/java", "-cp", "out", "Stats"],
    ),
    Bare("javascript", "stats.js", None, ["/usr/bin/node", "stats.js"]),
]


def write_problem(root: Path, tests: int) -> None:
    """A package of `tests` tests, each 1000 random integers, answers computed here."""
    rng = random.Random(2026)
    (root / "data" / "secret").mkdir(parents=True)
    (root / "problem.yaml").write_text("name: bench\nlimits:\n  time_limit: 2\n")
    for k in range(tests):
        values = [rng.randint(-(10**6), 10**6) for _ in range(1000)]
        best, run = -(10**18), 0
        for x in values:
            run = max(run + x, x)
            best = max(best, run)
        stem = root / "data" / "secret" / f"{k:02d}"
        stem.with_suffix(".in").write_text(f"1000\n{' '.join(map(str, values))}\n")
        stem.with_suffix(".ans").write_text(f"{sum(values)} {best} {len(set(values))}\n")


def bare_floor(bare: Bare, problem: Path) -> float:
    """Plain compile plus one plain process per test, no sandbox."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copy(PROGRAMS / bare.source, work / bare.source)
        started = time.perf_counter()
        if bare.compile:
            subprocess.run(bare.compile, cwd=work, env=CLEAN_ENV, check=True)
        for test in sorted((problem / "data" / "secret").glob("*.in")):
            with test.open("rb") as stdin:
                subprocess.run(
                    bare.run,
                    cwd=work,
                    env=CLEAN_ENV,
                    stdin=stdin,
                    capture_output=True,
                    check=True,
                )
        return time.perf_counter() - started


async def graded(
    problem: Problem, submission: Submission, backend: LocalBackend, mode: Mode
) -> float:
    """Wall seconds of one grading, which must be AC."""
    registry = LanguageRegistry([submission.language])
    report = await grade(problem, submission, backend, registry, GradeOptions(mode=mode))
    assert report.verdict is Verdict.AC, report
    return report.wall_time_s


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def measure(args: argparse.Namespace) -> None:
    registry = LanguageRegistry.load()
    state = Path(tempfile.mkdtemp(prefix="bj-bench-"))
    state.chmod(0o755)
    sandbox = LocalSandbox(SandboxConfig(state_dir=state / "sandbox", slots=1))
    prepared = PreparedStore(state / "prepared", sandbox)
    problem_dir = state / "problem"
    write_problem(problem_dir, args.tests)
    problem = load_problem(problem_dir)

    def backend(cache_dir: Path) -> LocalBackend:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache_dir.chmod(0o755)  # mkdtemp's 0700 would lock the sandbox uids out
        return LocalBackend(sandbox, CompileCache(cache_dir, 1 << 30), prepared)

    rows = []
    for bare in BARE:
        if args.only and bare.language not in args.only:
            continue
        bundle = registry.get(bare.language)
        submission = Submission(bundle, (PROGRAMS / bare.source).read_text(), Style.PROGRAM)
        await prepared.ensure(bundle)  # the precompiled header is a per-machine one-off
        warm = backend(state / f"warm-{bare.language}")
        check = await grade(problem, submission, warm, registry, GradeOptions(mode=Mode.MULTI))
        assert check.verdict is Verdict.AC, check

        samples: dict[str, list[float]] = {"bare": [], "single": [], "cold": [], "warm": []}
        for _ in range(args.reps):
            samples["bare"].append(bare_floor(bare, problem_dir))
            cold_single = backend(Path(tempfile.mkdtemp(dir=state)))
            samples["single"].append(await graded(problem, submission, cold_single, Mode.SINGLE))
            cold_multi = backend(Path(tempfile.mkdtemp(dir=state)))
            samples["cold"].append(await graded(problem, submission, cold_multi, Mode.MULTI))
            samples["warm"].append(await graded(problem, submission, warm, Mode.MULTI))
        medians = {key: statistics.median(values) for key, values in samples.items()}
        rows.append((bare.language, medians))

    overhead = await sandbox_overhead(sandbox, state)
    await sandbox.aclose()
    shutil.rmtree(state, ignore_errors=True)
    print_table(rows, overhead, args)


async def sandbox_overhead(sandbox: LocalSandbox, state: Path, runs: int = 100) -> float:
    """Milliseconds a sandboxed execution of /bin/true costs over a bare one."""
    box = state / "true-box"
    box.mkdir()
    box.chmod(0o755)
    limits = ResourceLimits(cpu_time_s=1, wall_time_s=2, memory_mb=64)
    request = SandboxRequest(argv=["/usr/bin/true"], box=box, limits=limits)
    await sandbox.execute(request)
    sandboxed = []
    bare = []
    for _ in range(runs):
        sandboxed.append(await timed(lambda: sandbox.execute(request)))
        started = time.perf_counter()
        subprocess.run(["/usr/bin/true"], env=CLEAN_ENV, check=True)
        bare.append(time.perf_counter() - started)
    return (statistics.median(sandboxed) - statistics.median(bare)) * 1000


def print_table(
    rows: list[tuple[str, dict[str, float]]], overhead_ms: float, args: argparse.Namespace
) -> None:
    print(f"\n{args.tests} tests per problem, median of {args.reps} runs, seconds\n")
    print(
        "| language | bare floor | single | multi cold | multi warm "
        "| cold/bare | warm/bare | single/multi cold |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for language, m in rows:
        print(
            f"| {language} | {m['bare']:.3f} | {m['single']:.3f} | {m['cold']:.3f} "
            f"| {m['warm']:.3f} | {m['cold'] / m['bare']:.2f} | {m['warm'] / m['bare']:.2f} "
            f"| {m['single'] / m['cold']:.1f} |"
        )
    print(
        f"\nsandbox overhead per execution: {overhead_ms:.1f} ms (sandboxed minus bare /bin/true)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--tests", type=int, default=50)
    parser.add_argument("--only", nargs="*", help="language ids to measure")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("note: not root, so the sandbox runs in reduced mode")
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()

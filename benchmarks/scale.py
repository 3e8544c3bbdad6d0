"""Scale-out: C++ grading throughput with one worker, then two, on this machine (issue 9).

Run with `make bench-scale` (or `.venv/bin/python benchmarks/scale.py [--submissions 40]
[--tests 10] [--test-seconds 0.2] [--sources distinct identical] [--quick]`).

Setup: a fresh PostgreSQL database on 127.0.0.1:5432 (user postgres, trust
authentication; dropped at the end), the job queue in Redis (redis://127.0.0.1:6379/0)
under a queue name of its own (its keys deleted at the end), one `batchjudge serve
--no-workers` (the API: it only enqueues) and a teacher, who uploads a problem of
`--tests` tests. Each test reads n and steps a 64-bit linear congruential generator n
times: pure CPU that g++ -O2 cannot fold away, with n calibrated on this machine so that a
test runs about `--test-seconds` (the answers come from the recurrence's closed form).

For each source kind and each configuration (one worker, then two: `batchjudge worker`
with BATCHJUDGE_SANDBOX_SLOTS=1 and a fresh data dir of its own, as on separate nodes),
the workers are started and waited for (their start-up self-tests are not measured),
`--submissions` fresh submissions are sent at once, and the wall time from the first
submit until the last one is seen graded gives submissions per minute. Then the workers
get SIGTERM and must exit 0.

Source kinds:
- `distinct`, the headline figure: every source differs (a numbered comment), so every
  submission compiles, as a class's submissions do. Grading is compile plus run, and
  both are CPU.
- `identical`: one source per phase, compiled once by each worker and then taken from
  its compiled-program cache: run-bound grading.

Also per phase: the CPU seconds of the API process, of each worker (its sandboxed
programs included), of our database's PostgreSQL backends and of the Redis server (shared
with anything else using it); the machine's average busy cores during the phase and over
3 s just before it (workers idle: others' work), and its load average. On 2 cores these
explain the ratio: what the API, PostgreSQL and the machine's other work take is missing
from the second worker. Target: 2 workers / 1 worker >= 1.6x.

Exits 1 when a submission is not AC, a phase times out or a worker does not exit 0.
"""

import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import redis
import yaml
from cryptography.fernet import Fernet
from process_cpu import CpuMeter, cores_since, machine_ticks, processes_named
from service import cli, free_port, wait_for

from batchjudge.problems.archive import zip_folder

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.scratch_postgres import scratch_database  # noqa: E402 - after the path

REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET = 1.6
TIMES = "\N{MULTIPLICATION SIGN}"
MULTIPLIER, INCREMENT, MASK = 6364136223846793005, 1442695040888963407, (1 << 64) - 1
SOURCE = """#include <bits/stdc++.h>
// scale benchmark submission {tag}
int main() {{
    unsigned long long n, x;
    std::cin >> n;
    x = n;
    for (unsigned long long i = 0; i < n; ++i) x = x * {a}ULL + {c}ULL;
    std::cout << x << "\\n";
}}
"""


def program(tag: str) -> str:
    return SOURCE.format(tag=tag, a=MULTIPLIER, c=INCREMENT)


def stepped(n: int) -> int:
    """What the program prints for n: x = a*x + c (mod 2^64) n times from x = n, computed
    by squaring the affine map (its powers commute, so the order of composing is free)."""
    a, c, power_a, power_c, n_left = 1, 0, MULTIPLIER, INCREMENT, n
    while n_left:
        if n_left & 1:
            a, c = (power_a * a) & MASK, (power_a * c + power_c) & MASK
        power_a, power_c = (power_a * power_a) & MASK, (power_a * power_c + power_c) & MASK
        n_left >>= 1
    return (a * n + c) & MASK


def calibrate(seconds: float, scratch: Path) -> int:
    """n for which the program spends about `seconds` of CPU here, built as the sandbox
    builds it (g++ -O2). Fails when the loop's time does not grow with n (folded)."""
    (scratch / "calibrate.cpp").write_text(program("calibration"))
    binary = scratch / "calibrate"
    compile_argv = ["/usr/bin/g++", "-std=gnu++17", "-O2", "-o", str(binary)]
    subprocess.run([*compile_argv, str(scratch / "calibrate.cpp")], check=True)

    def spent(n: int) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([binary], input=f"{n}\n", capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.stdout.strip() != str(stepped(n)):
            raise SystemExit(f"calibration: the program printed {done.stdout!r} for {n}")
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    probe = 10_000_000
    while (first := spent(probe)) < 0.05:
        probe *= 4
    if spent(probe * 2) < first * 1.5:
        raise SystemExit("calibration: the loop does not grow with n; the compiler folded it")
    return int(probe * seconds / first)


def write_problem(folder: Path, tests: int, n: int, time_limit: float) -> Path:
    """A package of `tests` tests (the first one a sample) with n spread by ±10%."""
    for group in ("sample", "secret"):
        (folder / "data" / group).mkdir(parents=True)
    config = {"name": "Scale benchmark", "limits": {"time_limit": time_limit, "memory": 64}}
    (folder / "problem.yaml").write_text(yaml.safe_dump(config))
    for k in range(tests):
        value = n * (90 + 20 * k // max(1, tests - 1)) // 100
        stem = folder / "data" / ("sample" if k == 0 else "secret") / f"{k:03d}"
        stem.with_suffix(".in").write_text(f"{value}\n")
        stem.with_suffix(".ans").write_text(f"{stepped(value)}\n")
    return folder


# --- the deployment -----------------------------------------------------------------------


@dataclass
class Deployment:
    """What every phase shares: the API server, the teacher's client and the problem."""

    root: Path
    env: dict[str, str]
    database: str
    api: subprocess.Popen[bytes]
    client: httpx.Client
    problem_id: int
    counter: int = 0


def spawn(argv: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    """`python -m batchjudge ARGV`, its stdout in LOGS.out and its stderr in LOGS.log."""
    with logs.with_suffix(".out").open("ab") as out, logs.with_suffix(".log").open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "batchjudge", *argv], env=env, stdout=out, stderr=err
        )


def stop(process: subprocess.Popen[bytes], wait_s: float = 90) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -9


@contextmanager
def deployment(args: argparse.Namespace, root: Path, database: str) -> Iterator[Deployment]:
    queue = f"bj-bench-scale-{uuid.uuid4().hex[:10]}"
    env = {
        "PATH": "/usr/bin:/bin",
        "BATCHJUDGE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
        "BATCHJUDGE_QUEUE_URL": REDIS_URL,
        "BATCHJUDGE_QUEUE_NAME": queue,
        "BATCHJUDGE_BLOB_DIR": str(root / "blobs"),
        # Every node must seal and unseal sources with the same key.
        "BATCHJUDGE_MASTER_KEY": Fernet.generate_key().decode(),
        "BATCHJUDGE_MAX_QUEUE_LENGTH": "100000",
        "BATCHJUDGE_RATE_LIMIT_STAFF_SUBMISSIONS": "100000/minute",
        "BATCHJUDGE_RATE_LIMIT_PREFIX": queue,
    }
    api_env = {**env, "BATCHJUDGE_DATA_DIR": str(root / "api")}
    cli(api_env, "db", "upgrade")
    teacher = cli(api_env, "users", "create", "scale-teacher", "--role", "teacher").split()[-1]
    port = free_port()
    api = spawn(["serve", "--no-workers", "--port", str(port)], api_env, root / "api-server")
    headers = {"Authorization": f"Bearer {teacher}"}
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120)
    try:
        wait_for(client, 90)
        n = calibrate(args.test_seconds, root)
        limit = max(1.0, round(args.test_seconds * 5, 1))
        folder = write_problem(root / "problem", args.tests, n, limit)
        files = {"package": ("scale.zip", zip_folder(folder), "application/zip")}
        uploaded = client.post("/api/v1/problems", files=files)
        uploaded.raise_for_status()
        args.n, args.time_limit = n, limit
        yield Deployment(root, env, database, api, client, uploaded.json()["id"])
    finally:
        client.close()
        stop(api)
        queues = redis.Redis.from_url(REDIS_URL)
        for key in queues.scan_iter(match=f"*{queue}*"):
            queues.delete(key)
        queues.close()


# --- one phase ----------------------------------------------------------------------------


@dataclass
class Phase:
    sources: str
    workers: int
    wall_s: float
    results: list[dict]
    cpu: dict[str, float]
    busy_cores: float
    #: Machine busy cores over 3 s with the workers ready and idle: others' work.
    background: float
    #: 1-minute load average before the workers started, and at the phase's end.
    load: tuple[float, float]
    exits: list[int]

    @property
    def per_minute(self) -> float:
        return len(self.results) / self.wall_s * 60

    @property
    def cpu_cores(self) -> float:
        """Our processes' average busy cores."""
        return sum(self.cpu.values()) / self.wall_s

    @property
    def server_span_s(self) -> float:
        """From the first submission's creation to the last one's end, by the server."""
        first = min(datetime.fromisoformat(r["created_at"]) for r in self.results)
        last = max(datetime.fromisoformat(r["finished_at"]) for r in self.results)
        return (last - first).total_seconds()


def wait_quiet(max_load: float, wait_s: float) -> float:
    """Wait (up to `wait_s`) for the 1-minute load average to drop to `max_load`, and
    return it: the machine is shared, and a busy one lowers the phase it meets."""
    deadline = time.monotonic() + wait_s
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        print(f"  load average {os.getloadavg()[0]:.2f} > {max_load}: waiting", flush=True)
        time.sleep(15)
    return os.getloadavg()[0]


def start_workers(setup: Deployment, count: int, label: str) -> list[subprocess.Popen[bytes]]:
    """`count` single-slot workers, each with a fresh data dir, once all are ready."""
    workers, outs = [], []
    for k in range(count):
        name = f"{label}-w{k + 1}"
        env = {
            **setup.env,
            "BATCHJUDGE_DATA_DIR": str(setup.root / name),
            "BATCHJUDGE_SANDBOX_SLOTS": "1",
            # Workers on one machine need sandbox uids of their own.
            "BATCHJUDGE_SANDBOX_UID_BASE": str(61000 + 100 * k),
        }
        logs = setup.root / name
        workers.append(spawn(["worker", "--slots", "1", "--name", name], env, logs))
        outs.append(logs.with_suffix(".out"))
    deadline = time.monotonic() + 300
    for worker, out in zip(workers, outs, strict=True):
        while " ready: " not in (out.read_text() if out.exists() else ""):
            if worker.poll() is not None or time.monotonic() > deadline:
                for other in workers:
                    stop(other)
                log = out.with_suffix(".log").read_text()[-3000:]
                raise SystemExit(f"worker {out.stem} did not get ready ({setup.root}):\n{log}")
            time.sleep(0.2)
    return workers


def submit_all(setup: Deployment, sources: str, label: str, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        setup.counter += 1
        tag = str(setup.counter) if sources == "distinct" else f"{label} (identical)"
        body = {"problem_id": setup.problem_id, "language": "cpp17", "source": program(tag)}
        answer = setup.client.post("/api/v1/submissions", json=body)
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    return ids


def wait_graded(client: httpx.Client, ids: list[int], timeout_s: float) -> list[dict]:
    """Every submission once graded, asking after the oldest one left (a light poll: the
    list endpoint would describe every test of every submission each time)."""
    deadline, pending, results = time.monotonic() + timeout_s, list(ids), []
    while pending:
        answer = client.get(f"/api/v1/submissions/{pending[0]}")
        answer.raise_for_status()
        item = answer.json()
        if item["status"] in ("done", "failed"):
            results.append(item)
            pending.pop(0)
        elif time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} of {len(ids)} submissions were not graded")
        else:
            time.sleep(0.25)
    return results


def run_phase(setup: Deployment, args: argparse.Namespace, sources: str, count: int) -> Phase:
    label = f"{sources}-{count}w"
    print(f"phase: {sources} sources, {count} worker(s)", flush=True)
    load_start = wait_quiet(args.max_load, args.load_wait)
    workers = start_workers(setup, count, label)
    roots = {"API": setup.api.pid} | {f"worker {k + 1}": w.pid for k, w in enumerate(workers)}
    # Shared with whatever else uses it: an upper bound on the queue's share.
    for pid in processes_named("redis-server")[:1]:
        roots["Redis (whole server)"] = pid
    meter = CpuMeter(roots, setup.database)
    try:
        before = machine_ticks()
        time.sleep(3)
        background = cores_since(before)
        meter.start()
        started = time.monotonic()
        ids = submit_all(setup, sources, label, args.submissions)
        results = wait_graded(setup.client, ids, args.timeout)
        wall = time.monotonic() - started
        cpu, busy = meter.stop()
        load_end = os.getloadavg()[0]
    finally:
        exits = [stop(worker) for worker in workers]
    load = (load_start, load_end)
    print(f"  {len(results)} graded in {wall:.1f} s ({len(results) / wall * 60:.1f}/min)")
    return Phase(sources, count, wall, results, cpu, busy, background, load, exits)


# --- the report ---------------------------------------------------------------------------


def report(phases: list[Phase], args: argparse.Namespace) -> int:
    print(
        f"\nC++ grading, {args.submissions} submissions per phase, {args.tests} tests of "
        f"~{args.test_seconds:.2f} s CPU each (n ≈ {args.n:.2e}, time limit "
        f"{args.time_limit} s), single-slot workers, {os.cpu_count()} cores\n"
    )
    print(
        "| sources | workers | wall s | server span s | submissions/min | verdicts "
        "| compile s (median) | test s (median) | load avg before → end | worker exits |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for p in phases:
        verdicts = Counter(r["verdict"] or r["status"] for r in p.results)
        compiles = [r["compile"]["time_s"] or 0.0 for r in p.results]
        tests = [t["time_s"] for r in p.results for t in r["tests"]]
        failed |= set(verdicts) != {"AC"} or any(p.exits)
        print(
            f"| {p.sources} | {p.workers} | {p.wall_s:.1f} | {p.server_span_s:.1f} "
            f"| {p.per_minute:.1f} | {', '.join(f'{v} {n}' for v, n in verdicts.items())} "
            f"| {statistics.median(compiles):.2f} | {statistics.median(tests or [0]):.3f} "
            f"| {p.load[0]:.2f} → {p.load[1]:.2f} | {', '.join(map(str, p.exits))} |"
        )
    names = ["API", "worker 1", "worker 2", "PostgreSQL (our db)", "Redis (whole server)"]
    print("\nCPU seconds during each phase (cores = CPU seconds / wall seconds)\n")
    print(
        f"| sources | workers | {' | '.join(names)} | ours, cores | machine busy, cores "
        "| others, cores | others before, cores |"
    )
    print("|---|---|" + "---|" * (len(names) + 4))
    for p in phases:
        cells = [f"{p.cpu[n]:.1f}" if n in p.cpu else "-" for n in names]
        ours = p.cpu_cores
        print(
            f"| {p.sources} | {p.workers} | {' | '.join(cells)} | {ours:.2f} "
            f"| {p.busy_cores:.2f} | {p.busy_cores - ours:.2f} | {p.background:.2f} |"
        )
    print()
    for sources in args.sources:
        pair = {p.workers: p for p in phases if p.sources == sources}
        if 1 in pair and 2 in pair:
            one, two = pair[1], pair[2]
            ratio = two.per_minute / one.per_minute
            verdict = "meets" if ratio >= TARGET else "is below"
            print(
                f"{sources} sources: 2 workers / 1 worker = {ratio:.2f}{TIMES} "
                f"({verdict} the {TARGET}{TIMES} target)"
            )
            # What the CPU allows a quiet machine: one worker keeps one core busy, two
            # share every core with the API, PostgreSQL and Redis.
            each = sum(two.cpu.values()) / len(two.results)
            worker = sum(v for k, v in two.cpu.items() if k.startswith("worker")) / len(two.results)
            alone, shared = 60 / worker, min(2 * 60 / worker, (os.cpu_count() or 1) * 60 / each)
            print(
                f"  CPU per submission {each:.2f} s, {worker:.2f} s of it in the worker: on a "
                f"quiet machine 1 worker grades at most {alone:.1f}/min and 2 at most "
                f"{shared:.1f}/min ({shared / alone:.2f}{TIMES}). Other work on the machine "
                f"took {one.busy_cores - one.cpu_cores:.2f} and "
                f"{two.busy_cores - two.cpu_cores:.2f} cores during these phases."
            )
    print("FAIL" if failed else "OK: every submission AC, every worker exited 0")
    return 1 if failed else 0


def measure(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="bj-bench-scale-", dir="/var/tmp"))
    root.chmod(0o755)  # the sandbox uids traverse it to the compiled programs
    phases = []
    try:
        with (
            scratch_database("bj_bench_scale_") as database,
            deployment(args, root, database) as setup,
        ):
            for sources in args.sources:
                for count in (1, 2):
                    phases.append(run_phase(setup, args, sources, count))
    except (TimeoutError, httpx.HTTPError) as error:
        print(f"FAIL: {error}; logs in {root}")
        return 1
    shutil.rmtree(root, ignore_errors=True)
    return report(phases, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=40, help="per phase")
    parser.add_argument("--tests", type=int, default=10, help="tests in the problem")
    parser.add_argument("--test-seconds", type=float, default=0.2, help="CPU per test")
    parser.add_argument(
        "--sources", nargs="+", choices=("distinct", "identical"), default=["distinct", "identical"]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 6 small submissions")
    parser.add_argument("--max-load", type=float, default=3.0, help="wait for a quieter machine")
    parser.add_argument("--load-wait", type=float, default=300, help="seconds to wait at most")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per phase")
    args = parser.parse_args()
    if args.quick:
        args.submissions, args.tests, args.test_seconds = 6, 3, 0.05
        args.sources = ["distinct"]
    sys.exit(measure(args))


if __name__ == "__main__":
    main()

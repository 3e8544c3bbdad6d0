"""Load: simulated students submit and poll against a real server for a bounded time.

Run with `make bench-load` (or `.venv/bin/python benchmarks/load.py [--seconds 60]
[--students 50] [--database-url URL]`). It starts `batchjudge serve` on 127.0.0.1 with a
fresh data dir (SQLite unless `--database-url` names another database, which is migrated
and gets users and a problem of its own), seeds the students and examples/sum-pairs, and
lets every student loop for `--seconds`: submit one of a mix of right and wrong programs
(Python, C++ and C, a new source each time), poll it every 0.5 s until graded, repeat.

It reports submissions accepted and completed, throughput, p50/p95/p99 latency of each
request kind and of the grading as students see it, the answers by status (429 and 503
are the server shedding load: the students wait `Retry-After` and go on), and the
resident memory of the server and its children, sampled every second.

Exits 1 when an answer is an error other than 429/503, a connection fails, a verdict is
not the expected one, or the server's memory goes over `--max-rss-mb`.
"""

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from load_students import SHED, Attempt, Student, Tally
from process_memory import MemorySamples

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.problems.archive import zip_folder
from batchjudge.services.accounts import create_user

REPO = Path(__file__).resolve().parents[1]
PROBLEM = REPO / "examples" / "sum-pairs"
SUBMISSIONS = PROBLEM / "submissions"
#: (language, file, the verdict it must get): two right, one wrong, in three languages.
MIX = (
    ("python3", "main.py", "AC"),
    ("cpp17", "solve.cpp", "AC"),
    ("c", "wrong.c", "WA"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed_people(url: str, students: int) -> tuple[str, list[str]]:
    """A teacher's token and one token per student, in a migrated database. The names
    carry a run id, so a database that served an earlier run can be used again."""
    upgrade(url)
    run = uuid.uuid4().hex[:6]
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        _, teacher = create_user(session, f"load-{run}-teacher", Role.TEACHER, "Load school")
        tokens = [
            create_user(session, f"load-{run}-student-{n:03d}", Role.STUDENT, "Load school")[1]
            for n in range(students)
        ]
    engine.dispose()
    return teacher, tokens


def start_server(data: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        "PATH": "/usr/bin:/bin",
        "BATCHJUDGE_DATA_DIR": str(data),
        "BATCHJUDGE_DATABASE_URL": url,
    }
    command = [sys.executable, "-m", "batchjudge", "serve", "--host", "127.0.0.1"]
    with (data / "server.log").open("ab") as log:
        return subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log
        )


def wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if client.get("/api/v1/me").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start:\n" + log.read_text()[-3000:])


async def simulate(
    base: str, tokens: list[str], problem_id: int, seconds: float, distinct: bool, pid: int
) -> tuple[Tally, MemorySamples, float]:
    """Every student's loop, side by side, with the memory sampled alongside."""
    attempts = [Attempt(lang, (SUBMISSIONS / name).read_text(), v) for lang, name, v in MIX]
    tally, memory, stop = Tally(), MemorySamples(pid), asyncio.Event()
    sampler = asyncio.create_task(memory.every_second(stop))
    clients = [
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {t}"}, timeout=60)
        for t in tokens
    ]
    started = time.monotonic()
    deadline = started + seconds
    try:
        students = [
            Student(n, client, problem_id, attempts, tally, deadline, distinct)
            for n, client in enumerate(clients)
        ]
        await asyncio.gather(*(student.run() for student in students))
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        await sampler
        for client in clients:
            await client.aclose()
    return tally, memory, elapsed


def percentiles(values: list[float]) -> str:
    """p50 / p95 / p99 in ms."""
    if len(values) < 2:
        return "-"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return " / ".join(f"{cuts[p - 1] * 1000:.0f}" for p in (50, 95, 99))


def report(tally: Tally, memory: MemorySamples, elapsed: float, args: argparse.Namespace) -> int:
    """Print the figures; the exit status (1 when something went wrong)."""
    mb = [kb / 1024 for kb in memory.totals] or [0.0]
    print(f"\n{args.students} students, {elapsed:.0f} s, {os.cpu_count()} cores, {args.kind}\n")
    print("| figure | value |\n|---|---|")
    rows = {
        "submissions sent": tally.submitted,
        "accepted (202)": tally.accepted,
        "completed (graded)": tally.completed,
        "still queued or grading at the end": tally.accepted - tally.completed,
        "throughput": f"{tally.completed / elapsed * 60:.0f} completed/min",
        "submit p50 / p95 / p99": f"{percentiles(tally.latencies.get('submit', []))} ms",
        "poll p50 / p95 / p99": f"{percentiles(tally.latencies.get('poll', []))} ms",
        "submit → seen graded p50 / p95 / p99": f"{percentiles(tally.end_to_end)} ms",
        "queued + graded (server) p50 / p95 / p99": f"{percentiles(tally.server_grading)} ms",
        "429 answers": tally.shed[429],
        "503 answers": tally.shed[503],
        "other errors": len(tally.errors),
        "unexpected verdicts": len(tally.wrong_verdicts),
        "server + children RSS start / peak / end": (
            f"{mb[0]:.0f} / {max(mb):.0f} / {mb[-1]:.0f} MB"
        ),
        "server VmHWM": f"{memory.root_peak_kb / 1024:.0f} MB",
    }
    for name, value in rows.items():
        print(f"| {name} | {value} |")
    print(
        "\nanswers by kind and status: "
        + ", ".join(sorted(f"{key}: {count}" for key, count in tally.statuses.items()))
    )
    for line in [*tally.errors, *tally.wrong_verdicts][:20]:
        print("  " + line)
    failed = bool(tally.errors or tally.wrong_verdicts) or max(mb) > args.max_rss_mb
    if max(mb) > args.max_rss_mb:
        print(f"memory: {max(mb):.0f} MB is over --max-rss-mb {args.max_rss_mb}")
    print("FAIL" if failed else f"OK: no errors other than {SHED[0]} and {SHED[1]}")
    return 1 if failed else 0


def measure(args: argparse.Namespace) -> int:
    data = Path(tempfile.mkdtemp(prefix="bj-bench-load-", dir="/var/tmp"))
    data.chmod(0o755)  # the sandbox uids traverse it to the compiled programs
    url = args.database_url or f"sqlite:///{data / 'batchjudge.sqlite3'}"
    args.kind = url.split(":", 1)[0].split("+", 1)[0]
    teacher, tokens = seed_people(url, args.students)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data, url, port)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {teacher}"}) as staff:
            wait_ready(staff, server, data / "server.log")
            files = {"package": ("sum-pairs.zip", zip_folder(PROBLEM), "application/zip")}
            uploaded = staff.post("/api/v1/problems", files=files, timeout=120)
            uploaded.raise_for_status()
        tally, memory, elapsed = asyncio.run(
            simulate(base, tokens, uploaded.json()["id"], args.seconds, args.distinct, server.pid)
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)
    return report(tally, memory, elapsed, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long students work")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default="",
        help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/load (default: SQLite)",
    )
    parser.add_argument(
        "--identical", dest="distinct", action="store_false", help="resubmit sources unchanged"
    )
    parser.add_argument(
        "--max-rss-mb", type=float, default=2048, help="fail when server + children exceed it"
    )
    sys.exit(measure(parser.parse_args()))


if __name__ == "__main__":
    main()

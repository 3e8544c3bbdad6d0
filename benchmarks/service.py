"""Service throughput: N small C++ submissions through a real `batchjudge serve`.

Run with `make bench-service` (or `.venv/bin/python benchmarks/service.py [--submissions N]`).
It starts a server on a fresh data dir (SQLite), uploads a small problem, submits every
submission at once, and reports submissions per second, the p50/p95 time from submit to
done (server timestamps), and the run executions per passing submission.
"""

import argparse
import datetime as dt
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from batchjudge.problems.archive import zip_folder

REPO = Path(__file__).resolve().parents[1]
PROBLEM = REPO / "tests" / "golden" / "sum"
SOURCE = """#include <bits/stdc++.h>
// submission {index}
void solve() {{
    long long a, b;
    std::cin >> a >> b;
    std::cout << a + b << "\\n";
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "batchjudge", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def wait_for(client: httpx.Client, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if client.get("/api/v1/me").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def measure(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="bj-bench-service-", dir="/var/tmp"))
    data.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data)}
    if args.slots:
        env["BATCHJUDGE_SANDBOX_SLOTS"] = str(args.slots)
    cli(env, "db", "upgrade")
    teacher = cli(env, "users", "create", "teacher", "--role", "teacher").split()[-1]
    student = cli(env, "users", "create", "student").split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "batchjudge", "serve", "--port", str(port)],
        env={**env, "BATCHJUDGE_MAX_QUEUE_LENGTH": str(args.submissions + 10)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with (
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {teacher}"}) as staff,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {student}"}) as user,
        ):
            wait_for(user, 60)
            files = {"package": ("sum.zip", zip_folder(PROBLEM), "application/zip")}
            problem_id = staff.post("/api/v1/problems", files=files).json()["id"]
            started = time.monotonic()
            ids = []
            for index in range(args.submissions):
                source = SOURCE.format(index=index if args.distinct else 0)
                body = {"problem_id": problem_id, "language": "cpp17", "source": source}
                answer = user.post("/api/v1/submissions", json=body)
                answer.raise_for_status()
                ids.append(answer.json()["id"])
            pending = set(ids)
            results = {}
            while pending:
                for item in user.get("/api/v1/submissions", params={"limit": 200}).json():
                    if item["id"] in pending and item["status"] in ("done", "failed"):
                        results[item["id"]] = item
                        pending.discard(item["id"])
                if pending:
                    time.sleep(0.2)
                if time.monotonic() - started > args.timeout:
                    raise SystemExit(f"{len(pending)} submissions did not finish")
            elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)
    latencies = sorted(
        (parse_time(r["finished_at"]) - parse_time(r["created_at"])).total_seconds()
        for r in results.values()
    )
    verdicts = {r["verdict"] for r in results.values()}
    executions = {r["executions"] for r in results.values() if r["verdict"] == "AC"}
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    for r in results.values():
        if r["verdict"] != "AC":
            print(f"submission {r['id']}: {r['verdict']} {r['message'][:300]}")
    print(
        f"\n{args.submissions} C++ submissions ({'distinct' if args.distinct else 'identical'}"
        f" sources), {os.cpu_count()} cores\n"
    )
    print("| submissions/s | p50 submit→done | p95 submit→done | verdicts | run executions each |")
    print("|---|---|---|---|---|")
    print(
        f"| {args.submissions / elapsed:.1f} | {statistics.median(latencies):.2f} s "
        f"| {p95:.2f} s | {', '.join(sorted(v or '?' for v in verdicts))} "
        f"| {', '.join(str(e) for e in sorted(executions))} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--slots", type=int, default=0, help="sandbox slots (default: 2)")
    parser.add_argument(
        "--identical", dest="distinct", action="store_false", help="one source, compiled once"
    )
    parser.add_argument("--timeout", type=float, default=1800)
    measure(parser.parse_args())


if __name__ == "__main__":
    main()

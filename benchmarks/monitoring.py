"""Monitoring latency: every monitoring endpoint under 50 concurrent requests, on SQLite and
on PostgreSQL, with 100 000 submissions and 200 000 executions in the database.

Run with `make bench-monitoring` (or `.venv/bin/python benchmarks/monitoring.py`, with
Debian's `wrk` installed). For each database it seeds the rows in bulk (about a million
test results with them), brings the monitoring rollup up to date and analyses the tables
as a running service and autovacuum would have, starts `batchjudge serve`, and then, per
endpoint and window:

- `compute`: the figures computed without the cache, in the benchmark's own process
  (what a request that finds nothing cached waits for, HTTP aside);
- `p50`/`p99`: wrk keeps 50 connections busy for `--duration` seconds (see wrk_load.py).
  The run is longer than the figure cache's lifetime, so figures go stale and are
  recomputed while the requests keep coming. Each endpoint is asked once first, so the
  run starts with its figures computed.

Targets: p99 under 100 ms for each endpoint, under 20 ms for `health` and `health/live`.
PostgreSQL: postgresql://postgres@127.0.0.1:5432 with trust authentication; a fresh
database is created and dropped.
"""

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from monitoring_data import seed
from sqlalchemy import Engine
from wrk_load import WrkRun, run_wrk

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.monitoring.metrics_service import Figure, MetricsService
from batchjudge.monitoring.windows import WindowName

POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
FIGURES = ("dashboard", "efficiency", "adoption", "performance", "metrics")
TARGET_MS = 100.0
HEALTH_TARGET_MS = 20.0


@dataclass(frozen=True)
class Endpoint:
    """One row of the report."""

    label: str
    path: str
    params: dict[str, str]
    target_ms: float
    authenticated: bool = True


@dataclass(frozen=True)
class Measured:
    """One endpoint's run; `compute` is the uncached computation of its figures in ms
    (None for the health endpoints)."""

    compute: float | None
    run: WrkRun


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database(kind: str, data: Path) -> Iterator[str]:
    """A fresh, migrated database of `kind`; PostgreSQL's is dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{data / 'batchjudge.sqlite3'}"
        upgrade(url)
        yield url
        return
    name = f"bj_bench_monitoring_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyse(url: str) -> None:
    """Table statistics (and PostgreSQL's visibility map), as autovacuum would keep them."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("ANALYZE")
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}", autocommit=True) as db:
        db.execute("VACUUM ANALYZE")


def time_computations(engine: Engine, windows: list[str]) -> dict[str, float]:
    """Milliseconds each figure takes to compute, uncached (median of three), by label."""
    service = MetricsService(make_session_factory(engine), cache_ttl_s=0)
    found = {}
    for name in windows:
        window = service.window(WindowName(name))
        for figure in Figure:
            spent = []
            for _ in range(3):
                started = time.perf_counter()
                service.figure(figure, window)
                spent.append((time.perf_counter() - started) * 1000)
            found[f"{figure.value} ?window={name}"] = statistics.median(spent)
    return found


def prepare(
    url: str, submissions: int, students: int, windows: list[str]
) -> tuple[dict[str, str], dict[str, float]]:
    """Seed, fill the rollup, analyse, time the computations; print what it took."""
    engine = make_engine(url)
    try:
        started = time.monotonic()
        tokens, counts = seed(engine, submissions, students)
        seeded = time.monotonic() - started
        started = time.monotonic()
        MetricsService(make_session_factory(engine)).refresh()
        rolled = time.monotonic() - started
        started = time.monotonic()
        analyse(url)
        analysed = time.monotonic() - started
        computations = time_computations(engine, windows)
    finally:
        engine.dispose()
    rows = ", ".join(f"{n} {table}" for table, n in counts.items())
    print(
        f"  seeded {rows} in {seeded:.1f} s; rollup filled in {rolled:.1f} s "
        f"(once, on the first figure after an upgrade); analysed in {analysed:.1f} s",
        flush=True,
    )
    return tokens, computations


@contextmanager
def server(data: Path, url: str) -> Iterator[str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BATCHJUDGE_DATA_DIR": str(data),
        "BATCHJUDGE_DATABASE_URL": url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "batchjudge", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/api/v1/monitoring/health/live", timeout=5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def ask_once(base: str, token: str | None, endpoint: Endpoint) -> None:
    """One request, so the run starts with the endpoint's figures computed."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.get(base + endpoint.path, params=endpoint.params, headers=headers, timeout=120)
    if answer.status_code not in (200, 503):  # health answers 503 when down
        raise SystemExit(f"{endpoint.path}: {answer.status_code} {answer.text[:200]}")


def run_endpoints(
    base: str, token: str, computations: dict[str, float], args: argparse.Namespace
) -> dict[str, tuple[Endpoint, Measured]]:
    endpoints = [
        Endpoint(
            f"{name} ?window={window}", f"/api/v1/monitoring/{name}", {"window": window}, TARGET_MS
        )
        for window in args.windows
        for name in FIGURES
    ]
    endpoints += [
        Endpoint(label, f"/api/v1/monitoring/{label}", {}, HEALTH_TARGET_MS, authenticated=False)
        for label in ("health", "health/live")
    ]
    wait_until_up(base)
    results: dict[str, tuple[Endpoint, Measured]] = {}
    for endpoint in endpoints:
        query = "&".join(f"{k}={v}" for k, v in endpoint.params.items())
        url = base + endpoint.path + (f"?{query}" if query else "")
        caller = token if endpoint.authenticated else None
        ask_once(base, caller, endpoint)
        run = run_wrk(url, caller, args.concurrency, args.duration)
        measured = Measured(computations.get(endpoint.label), run)
        results[endpoint.label] = (endpoint, measured)
        print(
            f"  {endpoint.label:<28} compute {_ms(measured.compute):>7}  "
            f"p50 {run.p50:6.1f} ms  p99 {run.p99:6.1f} ms  {run.per_second:7.0f} req/s  "
            f"errors {run.non_2xx + run.socket_errors}",
            flush=True,
        )
    return results


def report(
    results: dict[str, dict[str, tuple[Endpoint, Measured]]], args: argparse.Namespace
) -> None:
    kinds = list(results)
    labels = list(dict.fromkeys(label for rows in results.values() for label in rows))
    print(
        f"\n{args.submissions} submissions, {2 * args.submissions} executions; "
        f"wrk: {args.concurrency} connections kept busy for {args.duration:g} s per endpoint; "
        f"{os.cpu_count()} cores; compute = the figures computed without the cache, in ms\n"
    )
    head = " | ".join(f"{k} compute | {k} p50 | {k} p99 | {k} req/s" for k in kinds)
    print(f"| endpoint | target p99 | {head} | met |")
    print("|---|---|" + "---|" * (4 * len(kinds)) + "---|")
    for label in labels:
        cells, met = [], True
        target = TARGET_MS
        for kind in kinds:
            found = results[kind].get(label)
            if found is None:
                cells += ["-", "-", "-", "-"]
                continue
            endpoint, measured = found
            target = endpoint.target_ms
            run = measured.run
            met = met and run.p99 < target and run.non_2xx + run.socket_errors == 0
            cells += [_ms(measured.compute), f"{run.p50:.1f}", f"{run.p99:.1f}"]
            cells.append(f"{run.per_second:.0f}")
        print(f"| {label} | < {target:.0f} ms | {' | '.join(cells)} | {'yes' if met else 'NO'} |")


def measure_database(kind: str, args: argparse.Namespace) -> dict[str, tuple[Endpoint, Measured]]:
    print(f"{kind}:", flush=True)
    data = Path(tempfile.mkdtemp(prefix="bj-bench-monitoring-", dir="/var/tmp"))
    data.chmod(0o755)
    try:
        with database(kind, data) as url:
            tokens, computations = prepare(url, args.submissions, args.students, args.windows)
            with server(data, url) as base:
                return run_endpoints(base, tokens["admin"], computations, args)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per endpoint")
    parser.add_argument("--windows", nargs="+", default=["24h", "all"])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench-monitoring`, or apt-get install wrk")
    results = {kind: measure_database(kind, args) for kind in args.databases}
    report(results, args)


if __name__ == "__main__":
    main()

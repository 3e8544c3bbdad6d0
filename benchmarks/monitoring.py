"""Monitoring latency: every monitoring endpoint under 50 concurrent requests, on SQLite and
on PostgreSQL, with 100 000 submissions and 200 000 executions in the database.

Run with `make bench-monitoring` (or `.venv/bin/python benchmarks/monitoring.py`). For each
database it seeds the rows in bulk (about a million test results with them), brings the
monitoring rollup up to date and analyses the tables as a running service and autovacuum
would have, starts `batchjudge serve`, and then, per endpoint and window:

- `compute`: the figures computed without the cache, in the benchmark's own process
  (what a request that finds nothing cached waits for, HTTP aside);
- `p50`/`p99`: bursts of 50 concurrent requests (`--rounds` of them, spread over more
  than the cache's lifetime, so figures go stale and are recomputed during the bursts),
  fired by httpx from `--clients` processes (see monitoring_load.py for why).

Targets: p99 under 100 ms for each endpoint, under 20 ms for `health` (a colleague's
endpoint, measured when the server has it). PostgreSQL: postgresql://postgres@127.0.0.1:5432
with trust authentication; a fresh database is created and dropped.
"""

import argparse
import asyncio
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
from monitoring_load import Burst, LoadGenerator
from sqlalchemy import Engine

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


@dataclass
class Measured:
    """Latencies of one endpoint, in milliseconds; `compute` is the uncached
    computation of its figures (None for the health endpoints)."""

    compute: float | None
    samples: list[float]

    def percentile(self, percent: int) -> float:
        ordered = sorted(self.samples)
        rank = max(1, -(-percent * len(ordered) // 100))
        return ordered[rank - 1]


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


async def wait_until_up(client: httpx.AsyncClient, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if (await client.get("/api/v1/me")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not start")


def new_client(base: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


async def routes_present(base: str, token: str, paths: list[str]) -> list[bool]:
    async with new_client(base, token) as client:
        await wait_until_up(client)
        return [(await client.get(path)).status_code != 404 for path in paths]


def run_endpoints(
    base: str,
    token: str,
    computations: dict[str, float],
    load: LoadGenerator,
    args: argparse.Namespace,
) -> dict[str, tuple[Endpoint, Measured]]:
    endpoints = [
        Endpoint(
            f"{name} ?window={window}", f"/api/v1/monitoring/{name}", {"window": window}, TARGET_MS
        )
        for window in args.windows
        for name in FIGURES
    ]
    health = {
        "health": "/api/v1/monitoring/health",
        "health/live": "/api/v1/monitoring/health/live",
    }
    present = asyncio.run(routes_present(base, token, list(health.values())))
    for (label, path), found in zip(health.items(), present, strict=True):
        if found:
            endpoints.append(Endpoint(label, path, {}, HEALTH_TARGET_MS, authenticated=False))
        else:
            print(f"  {label}: not in this server, skipped", flush=True)
    results: dict[str, tuple[Endpoint, Measured]] = {}
    for endpoint in endpoints:
        burst = Burst(
            base,
            token if endpoint.authenticated else None,
            endpoint.path,
            endpoint.params,
            args.concurrency,
            args.rounds,
            args.pause,
        )
        measured = Measured(computations.get(endpoint.label), load.run(burst))
        results[endpoint.label] = (endpoint, measured)
        print(
            f"  {endpoint.label:<28} compute {_ms(measured.compute):>7}  "
            f"p50 {measured.percentile(50):6.1f} ms  p99 {measured.percentile(99):6.1f} ms",
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
        f"{args.concurrency} concurrent requests (from {args.clients} client processes) "
        f"x {args.rounds} rounds per endpoint; "
        f"{os.cpu_count()} cores; compute = the figures computed without the cache, in ms\n"
    )
    head = " | ".join(f"{k} compute | {k} p50 | {k} p99" for k in kinds)
    print(f"| endpoint | target p99 | {head} | met |")
    print("|---|---|" + "---|" * (3 * len(kinds)) + "---|")
    for label in labels:
        cells, met = [], True
        target = TARGET_MS
        for kind in kinds:
            found = results[kind].get(label)
            if found is None:
                cells += ["-", "-", "-"]
                continue
            endpoint, measured = found
            target = endpoint.target_ms
            p99 = measured.percentile(99)
            met = met and p99 < target
            cells += [_ms(measured.compute), f"{measured.percentile(50):.1f}", f"{p99:.1f}"]
        print(f"| {label} | < {target:.0f} ms | {' | '.join(cells)} | {'yes' if met else 'NO'} |")


def measure_database(
    kind: str, load: LoadGenerator, args: argparse.Namespace
) -> dict[str, tuple[Endpoint, Measured]]:
    print(f"{kind}:", flush=True)
    data = Path(tempfile.mkdtemp(prefix="bj-bench-monitoring-", dir="/var/tmp"))
    data.chmod(0o755)
    try:
        with database(kind, data) as url:
            tokens, computations = prepare(url, args.submissions, args.students, args.windows)
            with server(data, url) as base:
                return run_endpoints(base, tokens["admin"], computations, load, args)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--clients", type=int, default=5, help="client processes sharing it")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between bursts")
    parser.add_argument("--windows", nargs="+", default=["24h", "all"])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    with LoadGenerator(args.clients, args.concurrency) as load:
        results = {kind: measure_database(kind, load, args) for kind in args.databases}
    report(results, args)


if __name__ == "__main__":
    main()

"""Closed-loop HTTP load from wrk, for the monitoring benchmark.

wrk (Debian's package; `make bench-monitoring` installs it) keeps every connection busy:
each one sends its next request as soon as the last answer arrives, for the whole run.
It is written in C and spends microseconds of CPU per request, so on a 2-core box the
latency it reports is the server's, not the client's. (A Python client costs about
1.4 ms of CPU per request here, which at 50 concurrent requests is 70 ms of its own.)
"""

import re
import subprocess
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class WrkRun:
    """Latency percentiles in milliseconds, throughput, and what went wrong."""

    p50: float
    p99: float
    requests: int
    per_second: float
    non_2xx: int
    socket_errors: int


def parse(output: str) -> WrkRun:
    """A run, read from `wrk --latency` output."""
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(output)}
    rate, total = _RATE.search(output), _TOTAL.search(output)
    if 50 not in percentiles or 99 not in percentiles or rate is None or total is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET.search(output)
    return WrkRun(
        p50=percentiles[50],
        p99=percentiles[99],
        requests=int(total.group(1)),
        per_second=float(rate.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def run_wrk(url: str, token: str | None, connections: int, duration_s: float) -> WrkRun:
    """`connections` concurrent GETs of `url` for `duration_s` seconds."""
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{duration_s:g}s"]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration_s + 60
    )
    return parse(done.stdout)

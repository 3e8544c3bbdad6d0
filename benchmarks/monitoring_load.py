"""Bursts of concurrent requests (httpx async) fired from several client processes, for
the monitoring benchmark.

One Python process makes a poor load generator on a small box. httpx spends about
1.4 ms of CPU per request here, so the 50th request of a burst would wait some 70 ms in
the client itself, whatever the server does. The burst is therefore spread over a few
processes, each with its own event loop and connections, and a barrier starts every
round in all of them at once.
"""

import asyncio
import multiprocessing
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from types import TracebackType

# httpcore tries `import sniffio` on every request, and since anyio 4.11 no longer
# installs it the failed import scans sys.path each time: more CPU than the rest of the
# request (encode/httpcore#1103). Marking it absent once makes the failure instant.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

import httpx  # noqa: E402 - after the line above


@dataclass(frozen=True)
class Burst:
    """`rounds` bursts of `concurrency` GETs of `path`, `pause_s` apart."""

    base: str
    token: str | None
    path: str
    params: dict[str, str]
    concurrency: int
    rounds: int
    pause_s: float


async def _fire(burst: Burst, share: int, barrier: Barrier) -> list[float]:
    limits = httpx.Limits(max_connections=share, max_keepalive_connections=share)
    headers = {"Authorization": f"Bearer {burst.token}"} if burst.token else {}
    async with httpx.AsyncClient(
        base_url=burst.base, headers=headers, limits=limits, timeout=60
    ) as client:

        async def timed() -> float:
            started = time.perf_counter()
            answer = await client.get(burst.path, params=burst.params)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code not in (200, 503):  # health answers 503 when down
                raise RuntimeError(f"{burst.path}: {answer.status_code} {answer.text[:200]}")
            return elapsed

        await asyncio.gather(*(timed() for _ in range(share)))  # opens the connections
        samples: list[float] = []
        for _ in range(burst.rounds):
            barrier.wait(timeout=300)  # nothing else runs in this process meanwhile
            samples += await asyncio.gather(*(timed() for _ in range(share)))
            await asyncio.sleep(burst.pause_s)
        return samples


def _work(connection: Connection, share: int, barrier: Barrier) -> None:
    while (burst := connection.recv()) is not None:
        try:
            connection.send(asyncio.run(_fire(burst, share, barrier)))
        except Exception as exc:  # reported to the parent, which stops
            connection.send(f"{type(exc).__name__}: {exc}")


class LoadGenerator:
    """`processes` client processes sharing each burst's concurrency."""

    def __init__(self, processes: int, concurrency: int) -> None:
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(processes)
        self._barrier = barrier  # alive until the children have opened it
        shares = [
            concurrency // processes + (i < concurrency % processes) for i in range(processes)
        ]
        self._pipes: list[Connection] = []
        self._workers = []
        for share in shares:
            parent, child = context.Pipe()
            worker = context.Process(target=_work, args=(child, share, barrier), daemon=True)
            worker.start()
            self._pipes.append(parent)
            self._workers.append(worker)

    def run(self, burst: Burst) -> list[float]:
        """Every request's latency in milliseconds."""
        for pipe in self._pipes:
            pipe.send(burst)
        samples: list[float] = []
        for pipe in self._pipes:
            answer = pipe.recv()
            if isinstance(answer, str):
                raise SystemExit(f"load generator: {answer}")
            samples += answer
        return samples

    def __enter__(self) -> "LoadGenerator":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for pipe in self._pipes:
            pipe.send(None)
        for worker in self._workers:
            worker.join(timeout=30)

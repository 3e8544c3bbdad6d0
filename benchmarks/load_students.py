"""Simulated students for the load benchmark: submit, poll until graded, repeat.

A 429 or 503 is the server shedding load as designed: the student waits as long as
`Retry-After` says (1 s when it says nothing) and tries again. Every other error answer,
and every connection failure, is counted as an error, by status.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import httpx

POLL_INTERVAL_S = 0.5
#: The statuses a loaded server may answer with, meaning "later", not "broken".
SHED = (429, 503)


@dataclass(frozen=True)
class Attempt:
    """One submission a student can make, and the verdict it must get."""

    language: str
    source: str
    verdict: str


@dataclass
class Tally:
    """What all the students saw, shared between them (one event loop, so no locks)."""

    submitted: int = 0
    accepted: int = 0
    completed: int = 0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    #: Submit accepted → a poll that sees it finished, as the student sees it.
    end_to_end: list[float] = field(default_factory=list)
    #: created_at → finished_at, the server's own timestamps (queueing + grading).
    server_grading: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    wrong_verdicts: list[str] = field(default_factory=list)

    def answered(self, kind: str, seconds: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.statuses[f"{kind} {status}"] += 1

    @property
    def shed(self) -> Counter[int]:
        counts: Counter[int] = Counter()
        for key, count in self.statuses.items():
            status = int(key.rsplit(" ", 1)[1])
            if status in SHED:
                counts[status] += count
        return counts


def retry_after_s(answer: httpx.Response) -> float:
    """The wait `Retry-After` asks for, in seconds (1 s when absent or a date)."""
    value = answer.headers.get("retry-after", "")
    return float(value) if value.strip().isdigit() else 1.0


@dataclass
class Student:
    """One simulated student with a token of their own."""

    number: int
    client: httpx.AsyncClient
    problem_id: int
    attempts: list[Attempt]
    tally: Tally
    deadline: float
    distinct: bool = True

    async def run(self) -> None:
        round_ = 0
        while time.monotonic() < self.deadline:
            attempt = self.attempts[(self.number + round_) % len(self.attempts)]
            submission_id = await self._submit(attempt, round_)
            round_ += 1
            if submission_id is not None:
                await self._poll(submission_id, attempt)

    async def _request(
        self, kind: str, method: str, path: str, **kwargs: object
    ) -> httpx.Response | None:
        """The answer, timed and counted; None after a connection failure."""
        started = time.monotonic()
        try:
            answer = await self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            self.tally.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            await self._sleep(1.0)
            return None
        self.tally.answered(kind, time.monotonic() - started, answer.status_code)
        if answer.status_code in SHED:
            await self._sleep(retry_after_s(answer))
        elif answer.status_code >= 400:
            self.tally.errors.append(f"{kind} {answer.status_code}: {answer.text[:200]}")
            await self._sleep(1.0)
        return answer

    async def _submit(self, attempt: Attempt, round_: int) -> int | None:
        source = attempt.source
        if self.distinct:  # a new program each time, as students' edits are
            marker = "#" if attempt.language.startswith("python") else "//"
            source += f"\n{marker} student {self.number}, attempt {round_}\n"
        self.tally.submitted += 1
        body = {"problem_id": self.problem_id, "language": attempt.language, "source": source}
        answer = await self._request("submit", "POST", "/api/v1/submissions", json=body)
        if answer is None or answer.status_code != 202:
            return None
        self.tally.accepted += 1
        return int(answer.json()["id"])

    async def _poll(self, submission_id: int, attempt: Attempt) -> None:
        accepted = time.monotonic()
        while time.monotonic() < self.deadline:
            await self._sleep(POLL_INTERVAL_S)
            answer = await self._request("poll", "GET", f"/api/v1/submissions/{submission_id}")
            if answer is None or answer.status_code != 200:
                continue
            body = answer.json()
            if body["status"] not in ("done", "failed"):
                continue
            self.tally.completed += 1
            self.tally.end_to_end.append(time.monotonic() - accepted)
            self.tally.server_grading.append(_server_seconds(body))
            if body["verdict"] != attempt.verdict:
                self.tally.wrong_verdicts.append(
                    f"{submission_id} ({attempt.language}): {body['verdict']}, "
                    f"expected {attempt.verdict}: {str(body.get('message'))[:200]}"
                )
            return

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))


def _server_seconds(body: dict[str, object]) -> float:
    created = datetime.fromisoformat(str(body["created_at"]))
    finished = datetime.fromisoformat(str(body["finished_at"]))
    return (finished - created).total_seconds()

"""BatchPoller: one polling loop per backend, shared by every run waiting on Judge0.

Each poll is billed, and one `GET /submissions/batch` answers for up to
`max_submission_batch_size` tokens at the price of one, so whenever any waiting run is
due, every waiting token rides along. A run's own schedule starts near the completion
time seen so far (or at 0.2 s) and backs off to 2 s. A shared poll is recorded in the
calls of one run only (the oldest in it), so the calls of all runs add up to the truth.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from batchjudge.domain.errors import BatchjudgeError, RemoteUnavailableError
from batchjudge.execution.judge0.client import Judge0Client
from batchjudge.execution.judge0.discovery import ServerConfig
from batchjudge.execution.judge0.errors import Judge0Error, Judge0UnavailableError
from batchjudge.execution.judge0.results import RESULT_FIELDS, SubmissionState
from batchjudge.execution.outcome import RemoteCall
from batchjudge.judge0.statuses import Judge0Status

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollSchedule:
    """When to poll.

    Attributes:
        first_s: the first delay before anything was observed, and the step it grows from.
        factor: growth of the delay after each poll that found the run unfinished.
        ceiling_s: the longest delay between two polls of a run.
        seed_fraction: the first poll of a run comes at this fraction of the typical
            completion time seen so far.
        give_up_s: a run not finished after this long fails.
    """

    first_s: float = 0.2
    factor: float = 2.0
    ceiling_s: float = 2.0
    seed_fraction: float = 0.85
    give_up_s: float = 600.0


@dataclass
class _Waiter:
    token: str
    calls: list[RemoteCall]
    future: asyncio.Future[SubmissionState]
    created: float
    due: float
    interval: float
    last_pending: float
    status: int = Judge0Status.IN_QUEUE


class BatchPoller:
    """Polls Judge0 for every run of one backend (see the module docstring)."""

    def __init__(
        self, client: Judge0Client, config: ServerConfig, schedule: PollSchedule | None = None
    ) -> None:
        self._client = client
        self._clock = client.clock
        self._config = config
        self._schedule = schedule or PollSchedule()
        self._waiters: dict[str, _Waiter] = {}
        self._task: asyncio.Task[None] | None = None
        self._typical_s: float | None = None

    async def wait(self, token: str, calls: list[RemoteCall], created: float) -> SubmissionState:
        """The finished submission `token`, created at `created` (clock.monotonic()).

        Polls are appended to `calls` when this run is the one they are recorded for.
        """
        loop = asyncio.get_running_loop()
        first = self._schedule.first_s
        if self._typical_s is not None:
            first = max(first, self._typical_s * self._schedule.seed_fraction)
        waiter = _Waiter(
            token=token,
            calls=calls,
            future=loop.create_future(),
            created=created,
            due=created + first,
            interval=self._schedule.first_s,
            last_pending=created,
        )
        self._waiters[token] = waiter
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._loop())
        try:
            return await waiter.future
        finally:
            self._waiters.pop(token, None)

    async def aclose(self) -> None:
        """Stop polling; runs still waiting fail."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        try:
            while pending := [w for w in self._waiters.values() if not w.future.done()]:
                now = self._clock.monotonic()
                earliest = min(waiter.due for waiter in pending)
                if earliest > now:
                    # Short naps: a run that starts meanwhile may be due before `earliest`.
                    await self._clock.sleep(min(earliest - now, self._schedule.first_s))
                    continue
                await self._round(pending, now)
        except asyncio.CancelledError:
            for waiter in list(self._waiters.values()):
                self._fail(waiter, Judge0Error("the Judge0 backend was closed"))
            raise
        except Exception as exc:  # a bug here must fail the runs, not hang them
            _log.exception("Judge0 poller failed")
            for waiter in list(self._waiters.values()):
                self._fail(waiter, Judge0Error(f"the Judge0 poller failed: {exc}"))

    async def _round(self, pending: list[_Waiter], now: float) -> None:
        """Poll every chunk of waiting tokens that holds a due one."""
        # Runs due soon ride along and count this poll as theirs, so schedules merge.
        due = {w.token for w in pending if w.due <= now + w.interval / 2}
        size = (
            self._config.max_submission_batch_size if self._config.enable_batched_submissions else 1
        )
        for start in range(0, len(pending), size):
            chunk = pending[start : start + size]
            if any(waiter.token in due for waiter in chunk):
                await self._poll(chunk)
        after = self._clock.monotonic()
        for waiter in pending:
            if waiter.future.done():
                continue
            if after - waiter.created > self._schedule.give_up_s:
                self._fail(waiter, self._stuck(waiter, after))
            elif waiter.token in due:
                grown = waiter.interval * self._schedule.factor
                waiter.interval = min(grown, self._schedule.ceiling_s)
                waiter.due = after + waiter.interval

    async def _poll(self, chunk: Sequence[_Waiter]) -> None:
        """One billed GET for `chunk`, recorded in the calls of its oldest run."""
        owner = chunk[0]
        params = {"base64_encoded": "true", "fields": RESULT_FIELDS}
        try:
            if self._config.enable_batched_submissions:
                params["tokens"] = ",".join(waiter.token for waiter in chunk)
                answer = await self._client.request(
                    "GET", "/submissions/batch", "poll", owner.calls, params=params
                )
                items = _batch_items(answer, len(chunk), owner.calls)
            else:
                path = f"/submissions/{owner.token}"
                items = [
                    await self._client.request("GET", path, "poll", owner.calls, params=params)
                ]
        except BatchjudgeError as exc:
            for waiter in chunk:
                self._fail(waiter, exc)
            return
        seen = self._clock.monotonic()
        for waiter, item in zip(chunk, items, strict=True):
            self._update(waiter, item, seen)

    def _update(self, waiter: _Waiter, item: object, seen: float) -> None:
        if item is None:
            self._fail(waiter, Judge0Error(f"Judge0 no longer knows submission {waiter.token}"))
            return
        try:
            state = SubmissionState.model_validate(item)
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            self._fail(
                waiter, Judge0Error(f"Judge0 sent a submission of unexpected shape: {problem}")
            )
            return
        if state.token is not None and state.token != waiter.token:
            self._fail(waiter, Judge0Error("Judge0 answered a poll with another submission"))
            return
        waiter.status = state.status.id
        if not state.finished:
            waiter.last_pending = seen
            return
        # It finished between the last poll that saw it running and this one.
        self.observe((waiter.last_pending + seen) / 2 - waiter.created)
        if not waiter.future.done():
            waiter.future.set_result(state)

    def observe(self, completion_s: float) -> None:
        """Learn how long runs take from create to finish (also from callbacks)."""
        if completion_s <= 0:
            return
        typical = self._typical_s
        self._typical_s = completion_s if typical is None else 0.7 * typical + 0.3 * completion_s

    def _fail(self, waiter: _Waiter, exc: BaseException) -> None:
        if waiter.future.done():
            return
        calls = tuple(waiter.calls)
        if isinstance(exc, RemoteUnavailableError):
            waiter.future.set_exception(Judge0UnavailableError(str(exc), exc.retry_after_s, calls))
        else:
            waiter.future.set_exception(Judge0Error(str(exc), calls))

    def _stuck(self, waiter: _Waiter, now: float) -> BatchjudgeError:
        waited = now - waiter.created
        if waiter.status == Judge0Status.IN_QUEUE:
            # Nothing ran: the server is not taking work, which the fallback is for.
            return Judge0UnavailableError(
                f"Judge0 has not started submission {waiter.token} in {waited:.0f} s",
                calls=tuple(waiter.calls),
            )
        return Judge0Error(
            f"Judge0 has not finished submission {waiter.token} in {waited:.0f} s",
            tuple(waiter.calls),
        )


def _batch_items(answer: object, count: int, calls: list[RemoteCall]) -> list[object]:
    items = answer.get("submissions") if isinstance(answer, dict) else None
    if not isinstance(items, list) or len(items) != count:
        raise Judge0Error(
            f"Judge0 answered a batch poll with an unexpected shape (expected {count} submissions)",
            tuple(calls),
        )
    return items

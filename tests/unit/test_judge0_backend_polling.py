"""Polling: billed GETs shared by concurrent runs, batch sizes, the back-off schedule
seeded by observed completion times, and runs that never finish."""

import asyncio

import pytest

from batchjudge.domain.errors import BackendError, RemoteUnavailableError
from batchjudge.execution.judge0 import Judge0Options, PollSchedule
from batchjudge.execution.judge0.results import RESULT_FIELDS
from batchjudge.languages.framing import parse_frames
from support.judge0_runs import (
    compile_and_run_once,
    compile_request,
    numbered,
    open_backend,
    run_request,
)
from support.judge0_server import FakeJudge0, VirtualClock


@pytest.fixture
def server() -> FakeJudge0:
    return FakeJudge0(VirtualClock(), duration_s=2.5)


def polls(result) -> int:
    return sum(1 for call in result.calls if call.kind == "poll")


async def run_concurrently(backend, count: int, tests: int = 5):
    request = compile_request("python3")
    compiled = await backend.compile(request)
    assert compiled.program is not None
    runs = [run_request(request, compiled.program, numbered(tests)) for _ in range(count)]
    results = await asyncio.gather(*(backend.run(run) for run, _ in runs))
    for (_, nonce), result in zip(runs, results, strict=True):
        assert result.succeeded
        assert len(parse_frames(result.stdout, nonce).frames) == tests
    return results


@pytest.mark.anyio
async def test_concurrent_runs_share_batch_polls(server):
    async with open_backend(server) as backend:
        results = await run_concurrently(backend, 10)
    assert server.counts["create"] == 10
    assert server.counts["poll"] <= 6  # not 10 runs x 4 polls
    assert max(server.poll_sizes) == 10
    # Each shared poll is recorded once, in one run's calls: the totals are true.
    assert sum(polls(result) for result in results) == server.counts["poll"]


@pytest.mark.anyio
async def test_batch_polls_respect_the_servers_batch_size(server):
    server.config = {"max_submission_batch_size": 3}
    async with open_backend(server) as backend:
        results = await run_concurrently(backend, 7)
    assert max(server.poll_sizes) == 3
    assert sum(polls(result) for result in results) == server.counts["poll"]


@pytest.mark.anyio
async def test_a_passing_40_test_run_costs_one_create_and_at_most_three_polls(server):
    async with open_backend(server) as backend:
        request = compile_request("python3")
        compiled = await backend.compile(request)
        assert compiled.program is not None
        counts = []
        for _ in range(5):
            run, _ = run_request(request, compiled.program, numbered(40))
            result = await backend.run(run)
            assert result.succeeded
            assert [call.kind for call in result.calls].count("create") == 1
            counts.append(polls(result))
    assert counts[0] <= 4  # 0.2 s, 0.6 s, 1.4 s, 3.0 s before anything was observed
    assert max(counts[1:]) <= 3  # the first poll is seeded near the usual completion
    assert server.clock.sleeps  # nobody waited for real


@pytest.mark.anyio
async def test_the_schedule_backs_off_to_two_seconds(server):
    server.duration_s = 12.0
    _, result, _ = await compile_and_run_once(server)
    assert result.succeeded
    created = next(t for route, t in server.times if route == "create")
    times = [t - created for route, t in server.times if route == "poll"]
    assert times == pytest.approx([0.2, 0.6, 1.4, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0])
    assert polls(result) == len(times)


@pytest.mark.anyio
async def test_polls_ask_only_for_the_fields_they_need(server):
    await compile_and_run_once(server)
    poll = next(r for r in server.requests if r.url.path == "/submissions/batch")
    assert poll.url.params["fields"] == RESULT_FIELDS
    assert "*" not in RESULT_FIELDS
    assert poll.url.params["base64_encoded"] == "true"


@pytest.mark.anyio
async def test_without_batch_gets_each_submission_is_polled_alone(server):
    server.config = {"enable_batched_submissions": False}
    async with open_backend(server) as backend:
        results = await run_concurrently(backend, 3)
    assert server.counts["poll"] == 0
    assert server.counts["get"] >= 3
    assert sum(polls(result) for result in results) == server.counts["get"]


@pytest.mark.anyio
async def test_a_submission_never_started_makes_judge0_unavailable(server):
    server.duration_s = 10_000.0
    options = Judge0Options(poll_schedule=PollSchedule(give_up_s=30.0))
    with pytest.raises(RemoteUnavailableError, match="has not started"):
        await compile_and_run_once(server, options=options)


@pytest.mark.anyio
async def test_a_submission_that_never_finishes_is_a_backend_error(server):
    server.duration_s = 100.0
    options = Judge0Options(poll_schedule=PollSchedule(give_up_s=30.0))
    with pytest.raises(BackendError, match="has not finished"):
        await compile_and_run_once(server, options=options)


@pytest.mark.anyio
async def test_closing_the_backend_fails_the_runs_still_waiting(server):
    server.duration_s = 10_000.0
    async with open_backend(server) as backend:
        request = compile_request("python3")
        compiled = await backend.compile(request)
        assert compiled.program is not None
        run, _ = run_request(request, compiled.program, numbered(2))
        task = asyncio.create_task(backend.run(run))
        while server.counts["poll"] < 2:
            await asyncio.sleep(0)
        await backend.aclose()
        with pytest.raises(BackendError, match="closed"):
            await task

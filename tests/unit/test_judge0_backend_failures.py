"""Judge0Backend failure handling: rate limits and keys, slow and full servers, broken
answers, an unreachable server, and keys that never leak into logs or errors."""

import asyncio
import logging
from datetime import datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from batchjudge.domain.errors import BackendError, RemoteUnavailableError
from batchjudge.judge0.key_pool import KeyLease, StaticKeyPool
from batchjudge.settings import Judge0Auth
from support.judge0_runs import compile_and_run_once, compile_request, open_backend
from support.judge0_server import FakeJudge0, VirtualClock

SECRET_A = "sk-live-AAAA0123456789abcdefWXYZ"
SECRET_B = "sk-live-BBBB0123456789abcdefQRST"


class RecordingPool:
    """Keys in order of preference, with what the backend told the pool."""

    def __init__(self, *secrets: str, exhausted_until: datetime | None = None) -> None:
        self.leases = [KeyLease(k, secret) for k, secret in enumerate(secrets)]
        self.until: dict[int, datetime] = {}
        if exhausted_until is not None:
            self.until = {lease.key_id: exhausted_until for lease in self.leases}
        self.uses: list[tuple[int | None, int | None]] = []
        self.marks: list[tuple[int | None, datetime]] = []

    def acquire(self, now: datetime) -> KeyLease | None:
        for lease in self.leases:
            until = self.until.get(lease.key_id)
            if until is None or now >= until:
                return lease
        return None

    def record_use(self, lease: KeyLease, remaining: int | None, now: datetime) -> None:  # noqa: ARG002
        self.uses.append((lease.key_id, remaining))

    def mark_exhausted(self, lease: KeyLease, until: datetime) -> None:
        assert lease.key_id is not None
        self.marks.append((lease.key_id, until))
        self.until[lease.key_id] = until

    def next_available(self, now: datetime) -> datetime | None:
        later = [until for until in self.until.values() if until > now]
        return min(later) if later else None


@pytest.fixture
def server() -> FakeJudge0:
    return FakeJudge0(VirtualClock())


def kinds(calls) -> list[tuple[str, str]]:
    return [(call.kind, call.outcome) for call in calls]


def too_many(retry_after: str | None = None, **headers: str) -> httpx.Response:
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return httpx.Response(429, json={"message": "Too many requests"}, headers=headers)


@pytest.mark.anyio
async def test_429_with_retry_after_waits_for_the_only_key(server):
    server.then("create", too_many("2"))
    _, result, _ = await compile_and_run_once(server)
    assert result.succeeded
    assert 2.0 in server.clock.sleeps
    assert kinds(result.calls)[:2] == [("retry", "429"), ("create", "201")]
    assert server.counts["create"] == 2


@pytest.mark.anyio
async def test_429_switches_to_the_next_key(server):
    server.auth_tokens = {SECRET_A, SECRET_B}
    pool = RecordingPool(SECRET_A, SECRET_B)
    server.then("create", too_many("120", **{"x-ratelimit-requests-remaining": "0"}))
    _, result, _ = await compile_and_run_once(server, pool=pool, judge0_auth=Judge0Auth.RAPIDAPI)
    assert result.succeeded
    assert [key for key, _ in pool.marks] == [0]
    until = pool.marks[0][1]
    assert until - server.clock.now() > timedelta(seconds=110)
    creates = [r for r in server.requests if r.method == "POST"]
    assert [r.headers["x-rapidapi-key"] for r in creates] == [SECRET_A, SECRET_B]
    assert max(server.clock.sleeps, default=0) < 60  # switched, did not wait


@pytest.mark.anyio
async def test_429_with_an_http_date_or_a_reset_header_rests_the_key_that_long(server):
    pool = RecordingPool(SECRET_A, SECRET_B)
    later = server.clock.now() + timedelta(seconds=300)
    server.then(
        "config_info",
        too_many(format_datetime(later, usegmt=True)),
        too_many(None, **{"x-ratelimit-requests-reset": "900"}),
    )
    async with open_backend(server, pool, judge0_auth=Judge0Auth.RAPIDAPI) as backend:
        with pytest.raises(RemoteUnavailableError) as caught:
            await backend.compile(compile_request("python3"))
    assert [key for key, _ in pool.marks] == [0, 1]
    assert pool.marks[0][1] == later
    assert caught.value.retry_after_s == pytest.approx(300)


@pytest.mark.anyio
async def test_429_with_a_long_retry_after_makes_judge0_unavailable(server):
    server.then("create", too_many("3600"))
    with pytest.raises(RemoteUnavailableError) as caught:
        await compile_and_run_once(server, pool=StaticKeyPool(SECRET_A))
    assert caught.value.retry_after_s == pytest.approx(3600)
    assert "out of quota" in str(caught.value)
    assert ("retry", "429") in kinds(caught.value.calls)


@pytest.mark.anyio
async def test_every_key_exhausted_is_unavailable_with_retry_after(server):
    pool = RecordingPool(
        SECRET_A, SECRET_B, exhausted_until=server.clock.now() + timedelta(minutes=10)
    )
    async with open_backend(server, pool, judge0_auth=Judge0Auth.RAPIDAPI) as backend:
        with pytest.raises(RemoteUnavailableError) as caught:
            await backend.compile(compile_request("python3"))
    assert caught.value.retry_after_s == pytest.approx(600)
    assert server.requests == []


@pytest.mark.anyio
async def test_remaining_quota_is_reported_to_the_pool(server):
    server.headers = {"x-ratelimit-requests-remaining": "41"}
    pool = RecordingPool(SECRET_A)
    await compile_and_run_once(server, pool=pool, judge0_auth=Judge0Auth.RAPIDAPI)
    assert len(pool.uses) == len(server.requests)
    assert set(pool.uses) == {(0, 41)}


@pytest.mark.anyio
async def test_a_slow_server_times_out_and_then_is_a_backend_error(server):
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    server.then("config_info", slow, slow, slow)
    async with open_backend(server, judge0_timeout_s=0.05, judge0_max_retries=2) as backend:
        with pytest.raises(BackendError, match=r"did not answer GET /config_info within 0.05 s"):
            await backend.compile(compile_request("python3"))
    assert server.counts["config_info"] == 3


@pytest.mark.anyio
async def test_a_timeout_once_is_retried(server):
    server.then("create", httpx.ReadTimeout("read timed out"))
    _, result, _ = await compile_and_run_once(server)
    assert result.succeeded
    assert kinds(result.calls)[:2] == [("retry", "timeout"), ("create", "201")]


@pytest.mark.anyio
async def test_503_queue_full_is_retried_after_retry_after(server):
    full = httpx.Response(503, json={"error": "queue is full"}, headers={"Retry-After": "1"})
    server.then("create", full)
    _, result, _ = await compile_and_run_once(server)
    assert result.succeeded
    assert 1.0 in server.clock.sleeps
    assert kinds(result.calls)[:2] == [("retry", "503"), ("create", "201")]


@pytest.mark.anyio
async def test_503_queue_full_for_good_is_a_backend_error(server):
    full = httpx.Response(503, json={"error": "queue is full"})
    server.then("create", full, full, full)
    with pytest.raises(BackendError, match="queue is full") as caught:
        await compile_and_run_once(server)
    assert kinds(caught.value.calls) == [("retry", "503"), ("retry", "503"), ("create", "503")]
    sleeps = server.clock.sleeps
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0


@pytest.mark.anyio
async def test_an_unreachable_server_is_unavailable(server):
    refused = httpx.ConnectError("connection refused")
    server.then("config_info", refused, refused, refused)
    async with open_backend(server) as backend:
        with pytest.raises(RemoteUnavailableError, match="cannot reach the Judge0 server") as c:
            await backend.compile(compile_request("python3"))
    assert c.value.retry_after_s is None
    assert [call.outcome for call in c.value.calls] == ["connect"] * 3


@pytest.mark.anyio
async def test_malformed_json_is_a_backend_error(server):
    server.then("create", httpx.Response(201, content=b"<html>oops</html>"))
    with pytest.raises(BackendError, match="malformed JSON"):
        await compile_and_run_once(server)


@pytest.mark.anyio
async def test_a_create_answer_without_a_token_is_a_backend_error(server):
    server.then("create", httpx.Response(201, json={"tokn": "x"}))
    with pytest.raises(BackendError, match="without a token"):
        await compile_and_run_once(server)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"submissions": {"a": 1}}, "unexpected shape"),
        ({"submissions": [{"stdout": None}]}, "unexpected shape"),
        ({"submissions": [None]}, "no longer knows submission"),
        ([1, 2], "unexpected shape"),
    ],
)
async def test_odd_poll_answers_are_backend_errors(server, answer, message):
    server.then("poll", httpx.Response(200, json=answer))
    with pytest.raises(BackendError, match=message):
        await compile_and_run_once(server)


@pytest.mark.anyio
async def test_a_validation_error_is_a_backend_error_with_the_reason(server):
    refusal = httpx.Response(422, json={"wall_time_limit": ["must be less than or equal to 20"]})
    server.then("create", refusal)
    with pytest.raises(BackendError, match=r"rejected POST /submissions \(HTTP 422\)"):
        await compile_and_run_once(server)


@pytest.mark.anyio
async def test_an_internal_error_is_a_backend_error_with_judge0s_message(server):
    internal = {
        "token": None,
        "status": {"id": 13, "description": "Internal Error"},
        "message": "Tm8gc3VjaCBmaWxlIG9yIGRpcmVjdG9yeSBAIHJiX3N5c29wZW4gLSAvYm94\nL3J1bg==\n",
    }
    server.then("poll", httpx.Response(200, json={"submissions": [internal]}))
    with pytest.raises(BackendError, match="rb_sysopen - /box/run"):
        await compile_and_run_once(server)


@pytest.mark.anyio
async def test_a_refused_key_is_named_only_masked(server):
    server.auth_tokens = {"another"}
    async with open_backend(
        server, StaticKeyPool(SECRET_A), judge0_auth=Judge0Auth.TOKEN
    ) as backend:
        with pytest.raises(BackendError, match="HTTP 401") as caught:
            await backend.compile(compile_request("python3"))
    assert "…WXYZ" in str(caught.value)
    assert SECRET_A not in str(caught.value)


def everything_said(exc: BaseException | None) -> str:
    parts = []
    while exc is not None:
        parts += [str(exc), repr(exc), repr(getattr(exc, "calls", ()))]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


@pytest.mark.anyio
async def test_no_key_appears_in_logs_or_exceptions(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.auth_tokens = {SECRET_A, SECRET_B}
    pool = RecordingPool(SECRET_A, SECRET_B)
    server.then(
        "create",
        too_many("5"),
        httpx.Response(503, json={"error": "queue is full"}),
        httpx.ReadTimeout("slow"),
        httpx.Response(401),
    )
    with pytest.raises(BackendError) as refused:
        await compile_and_run_once(server, pool=pool, judge0_auth=Judge0Auth.RAPIDAPI)
    server.then("config_info", httpx.ConnectError("refused"), httpx.ConnectError("refused"),
                httpx.ConnectError("refused"))  # fmt: skip
    with pytest.raises(RemoteUnavailableError) as unreachable:
        await compile_and_run_once(server, pool=pool, judge0_auth=Judge0Auth.RAPIDAPI)
    said = "\n".join(
        [caplog.text, everything_said(refused.value), everything_said(unreachable.value)]
    )
    assert "rate-limited" in caplog.text  # the 429 was logged, masked
    for secret in (SECRET_A, SECRET_B):
        assert secret not in said
        assert secret[:-4] not in said

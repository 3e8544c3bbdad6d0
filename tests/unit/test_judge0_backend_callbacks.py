"""Callback mode: Judge0 PUTs the result to our route (on the server's thread and loop),
the hub hands it to the run waiting on another loop; polling is the fallback."""

import asyncio
import json
import signal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from batchjudge.execution.judge0 import CALLBACK_PATH, CallbackHub, Judge0Options
from batchjudge.execution.outcome import Termination
from batchjudge.languages.framing import parse_frames
from batchjudge.service.errors import install_error_handlers
from batchjudge.service.routes import judge0_callbacks
from support.judge0_runs import compile_and_run_once
from support.judge0_server import FakeJudge0, FakeRun, VirtualClock

PUBLIC = "https://grader.example.org/"


@pytest.fixture
def hub() -> CallbackHub:
    return CallbackHub()


@pytest.fixture
def client(hub: CallbackHub):
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(judge0_callbacks.router)
    app.state.service = SimpleNamespace(judge0_callbacks=hub)  # as ServiceState holds it
    with TestClient(app) as client:
        yield client


@pytest.fixture
def server(client: TestClient) -> FakeJudge0:
    server = FakeJudge0(VirtualClock(), duration_s=2.5)
    server.answers = []  # type: ignore[attr-defined]

    async def put(url: str, body: dict) -> None:
        # Judge0's worker PUTs from elsewhere: here, the TestClient's own thread and loop.
        response = await asyncio.to_thread(client.put, urlsplit(url).path, json=body)
        server.answers.append(response.status_code)  # type: ignore[attr-defined]

    server.on_callback = put
    return server


async def run_with_callbacks(server, hub, **options):
    return await compile_and_run_once(
        server,
        callbacks=hub,
        public_base_url=PUBLIC,
        options=Judge0Options(**options) if options else None,
    )


@pytest.mark.anyio
async def test_a_callback_delivers_the_result_without_polling(server, hub):
    _, result, _ = await run_with_callbacks(server, hub)
    assert result.succeeded
    assert [call.kind for call in result.calls] == ["create"]
    assert server.counts["poll"] == 0
    await asyncio.gather(*server.tasks)  # the PUT's own answer may come after the run woke
    assert server.answers == [204]
    (received,) = server.received.values()
    url = received.body["callback_url"]
    assert url.startswith("https://grader.example.org" + CALLBACK_PATH + "/")
    assert len(url.rsplit("/", 1)[1]) == 32
    assert hub.waiting() == 0


@pytest.mark.anyio
async def test_a_callback_of_a_crash_reads_the_exit_status_from_the_message(server, hub):
    # Callbacks carry only Judge0's 8 default fields: no exit_code, no exit_signal.
    server.behave = lambda data: FakeRun(crash=True) if data == b"1\n" else FakeRun(output=data)
    _, result, nonce = await run_with_callbacks(server, hub)
    assert (result.termination, result.signal) == (Termination.SIGNALED, signal.SIGSEGV)
    assert len(parse_frames(result.stdout, nonce).frames) == 1
    assert server.counts["poll"] == 0


@pytest.mark.anyio
async def test_each_run_gets_a_fresh_nonce(server, hub):
    await run_with_callbacks(server, hub)
    await run_with_callbacks(server, hub)
    urls = {received.body["callback_url"] for received in server.received.values()}
    assert len(urls) == 2


@pytest.mark.anyio
async def test_a_missing_callback_falls_back_to_polling(server, hub):
    server.on_callback = None
    _, result, _ = await run_with_callbacks(server, hub, callback_wait_s=0.05)
    assert result.succeeded
    assert server.counts["poll"] >= 1
    assert hub.waiting() == 0


@pytest.mark.anyio
async def test_a_server_without_callbacks_is_polled(server, hub):
    server.config = {"enable_callbacks": False}
    _, result, _ = await run_with_callbacks(server, hub)
    assert result.succeeded
    (received,) = server.received.values()
    assert "callback_url" not in received.body
    assert server.counts["poll"] >= 1


@pytest.mark.anyio
async def test_without_a_public_url_the_hub_is_not_used(server, hub):
    _, result, _ = await compile_and_run_once(server, callbacks=hub)
    assert result.succeeded
    (received,) = server.received.values()
    assert "callback_url" not in received.body


def test_the_route_checks_nonce_and_token(client, hub):
    ticket = hub.expect()
    hub.bind(ticket.nonce, "token-1")
    path = f"{CALLBACK_PATH}/{ticket.nonce}"
    body = {"token": "token-1", "status": {"id": 3, "description": "Accepted"}}
    assert client.put(f"{CALLBACK_PATH}/{'0' * 32}", json=body).status_code == 404
    wrong = client.put(path, json={**body, "token": "token-2"})
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "not_found"
    assert not ticket.future.done()
    assert client.put(path, json=body).status_code == 204
    assert ticket.future.result() == body
    assert client.put(path, json=body).status_code == 404  # delivered already
    hub.discard(ticket.nonce)
    assert client.put(path, json=body).status_code == 404


def test_the_route_wants_a_json_object(client, hub):
    ticket = hub.expect()
    path = f"{CALLBACK_PATH}/{ticket.nonce}"
    response = client.put(
        path, content=json.dumps([1, 2]), headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_a_callback_before_the_token_is_known_is_checked_at_bind(hub):
    early = hub.expect()
    assert hub.deliver(early.nonce, {"token": "t1", "status": {"id": 3}})
    assert not hub.deliver(early.nonce, {"token": "t1", "status": {"id": 3}})
    hub.bind(early.nonce, "t1")
    assert early.future.result()["token"] == "t1"
    forged = hub.expect()
    assert hub.deliver(forged.nonce, {"token": "someone-else", "status": {"id": 3}})
    hub.bind(forged.nonce, "t2")
    assert not forged.future.done()
    assert hub.deliver(forged.nonce, {"token": "t2", "status": {"id": 3}})
    assert forged.future.result()["token"] == "t2"


def test_a_body_without_a_token_is_refused(hub):
    ticket = hub.expect()
    hub.bind(ticket.nonce, "t")
    assert not hub.deliver(ticket.nonce, {"status": {"id": 3}})
    assert not hub.deliver(ticket.nonce, {"token": 7})

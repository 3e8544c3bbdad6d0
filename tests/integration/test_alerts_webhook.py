"""Acceptance (issue #5): an alert fires to a webhook receiver on 127.0.0.1 when the test
stops the fake Judge0 server, and resolves when it comes back.

Everything is real except Judge0 itself: the service runs in-process with its lifespan
(health checker, alert queue, database), the fake Judge0 is an HTTP server on loopback
answering what the health probe asks, and the receiver is another one recording POSTs.
"""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.settings import BackendKind, Settings
from support.loopback import Judge0StandIn, LoopbackServer

#: Long enough for the health probe (fresh every 5 s) and a few evaluations.
WAIT_S = 45.0


class WebhookReceiver(LoopbackServer):
    """Records every JSON POST; `wait_for` blocks until one matches."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length))
                with receiver._arrived:
                    receiver.posts.append(body)
                    receiver._arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def wait_for(self, **fields: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_S
        with self._arrived:
            while True:
                for post in self.posts:
                    if all(post.get(key) == value for key, value in fields.items()):
                        return post
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no POST with {fields} in {WAIT_S} s: {self.posts}")
                self._arrived.wait(left)


@pytest.fixture
def judge0() -> Iterator[Judge0StandIn]:
    server = Judge0StandIn()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.stop()


@pytest.fixture
def tokens(reachable_dir: Path) -> dict[str, str]:
    url = f"sqlite:///{reachable_dir / 'batchjudge.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    found = {}
    with make_session_factory(engine).begin() as session:
        for role in (Role.TEACHER, Role.STUDENT):
            _, found[role.value] = create_user(session, role.value, role)
    engine.dispose()
    return found


def test_an_alert_fires_when_judge0_stops_and_resolves_when_it_returns(
    judge0: Judge0StandIn, receiver: WebhookReceiver, tokens: dict[str, str], reachable_dir: Path
):
    settings = Settings(
        data_dir=reachable_dir,
        backend=BackendKind.JUDGE0,
        judge0_url=judge0.url,
        alert_webhooks=[receiver.url + "/hooks/batchjudge"],
        alert_interval_s=0.5,
        alert_rules={"backend_unreachable": {"for_s": 1}},
    )
    teacher = {"Authorization": f"Bearer {tokens['teacher']}"}
    with TestClient(create_app(settings)) as client:
        time.sleep(3)  # several evaluations with Judge0 up: nothing fires
        assert [p for p in receiver.posts if p["rule"] == "backend_unreachable"] == []

        judge0.stop()
        fired = receiver.wait_for(rule="backend_unreachable", status="firing")
        assert fired["fingerprint"] == "backend_unreachable:judge0"
        assert fired["severity"] == "critical"
        assert fired["resolved_at"] is None
        assert fired["message"].startswith("backend judge0 is down")
        assert set(fired) == {
            "status", "rule", "severity", "message", "value", "fired_at", "resolved_at",
            "fingerprint",
        }  # fmt: skip
        listed = client.get("/api/v1/monitoring/alerts?status=firing", headers=teacher).json()
        assert [a["fingerprint"] for a in listed if a["rule"] == "backend_unreachable"] == [
            "backend_unreachable:judge0"
        ]

        judge0.start()  # the same port
        resolved = receiver.wait_for(rule="backend_unreachable", status="resolved")
        assert resolved["fingerprint"] == fired["fingerprint"]
        assert resolved["fired_at"] == fired["fired_at"]
        assert resolved["resolved_at"] >= fired["fired_at"]
        listed = client.get("/api/v1/monitoring/alerts?status=resolved", headers=teacher).json()
        assert "backend_unreachable:judge0" in [a["fingerprint"] for a in listed]
        still = client.get("/api/v1/monitoring/alerts?status=firing", headers=teacher).json()
        assert "backend_unreachable:judge0" not in [a["fingerprint"] for a in still]

        # Exactly one firing and one resolution reached the receiver (deduplicated).
        ours = [p["status"] for p in receiver.posts if p["rule"] == "backend_unreachable"]
        assert ours == ["firing", "resolved"]

        # Who may read the list, and what a bad filter gets.
        student = {"Authorization": f"Bearer {tokens['student']}"}
        assert client.get("/api/v1/monitoring/alerts", headers=student).status_code == 403
        assert client.get("/api/v1/monitoring/alerts").status_code == 401
        bad = client.get("/api/v1/monitoring/alerts?status=burning", headers=teacher)
        assert bad.status_code == 422
        assert "status" in bad.json()["error"]["message"]
        everything = client.get("/api/v1/monitoring/alerts?status=all", headers=teacher).json()
        assert everything == sorted(everything, key=lambda a: a["fired_at"], reverse=True)

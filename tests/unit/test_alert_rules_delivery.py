"""Alert delivery: one delivery per change and webhook, the payload, retries with back-off
that end, superseded changes dropped, and receivers that fail without raising."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.models import Base
from batchjudge.domain.errors import ConfigError
from batchjudge.monitoring.alerting import AlertMonitor, WebhookSender, build_alert_monitor
from batchjudge.monitoring.alerting.webhooks import RETRY_DELAYS_S, check_webhooks, shown_url
from batchjudge.monitoring.health_report import CheckResult, HealthReport, HealthStatus
from batchjudge.settings import Settings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOOKS = ["http://receiver.test/hook", "https://hooks.example.org/services/T0/B0/secret"]


class Judge0Health:
    def __init__(self) -> None:
        self.down = True

    def check(self) -> HealthReport:
        status = HealthStatus.DOWN if self.down else HealthStatus.OK
        return HealthReport(status, {"backend_judge0": CheckResult(status, "judge0.test")})


class Receiver:
    """A MockTransport receiver that answers what the test scripts (200 by default)."""

    def __init__(self) -> None:
        self.answers: list[int | Exception] = []
        self.posts: list[tuple[str, dict]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        self.posts.append((str(request.url), json.loads(request.content)))
        return httpx.Response(answer)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite3'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def health() -> Judge0Health:
    return Judge0Health()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def monitor(
    engine: Engine, receiver: Receiver, health: Judge0Health, clock: Clock
) -> Iterator[AlertMonitor]:
    settings = Settings(
        alert_webhooks=HOOKS,
        alert_rules={"backend_unreachable": {"for_s": 0}, "health_down": {"enabled": False}},
    )
    sessions: sessionmaker[Session] = make_session_factory(engine)
    sender = WebhookSender(httpx.MockTransport(receiver.handle))
    monitor = build_alert_monitor(settings, sessions, health=health, sender=sender, clock=clock)
    yield monitor
    monitor.close()


def test_each_change_goes_to_each_webhook_with_the_documented_payload(
    monitor, receiver, health, clock
):
    fired = monitor.evaluate()
    assert [(d.url, d.status) for d in fired] == [(HOOKS[0], "firing"), (HOOKS[1], "firing")]
    assert monitor.evaluate() == []  # still firing: nothing new to send
    for delivery in fired:
        assert monitor.deliver(delivery, 0) is None
    health.down = False
    clock.now = T0 + timedelta(seconds=30)
    (resolved, _) = monitor.evaluate()
    assert monitor.deliver(resolved, 0) is None
    assert [(url, body["status"]) for url, body in receiver.posts] == [
        (HOOKS[0], "firing"),
        (HOOKS[1], "firing"),
        (HOOKS[0], "resolved"),
    ]
    assert receiver.posts[2][1] == {
        "status": "resolved",
        "rule": "backend_unreachable",
        "severity": "critical",
        "message": "backend judge0 is down: judge0.test",
        "value": None,
        "fired_at": "2026-03-01T12:00:00+00:00",
        "resolved_at": "2026-03-01T12:00:30+00:00",
        "fingerprint": "backend_unreachable:judge0",
    }


def test_a_failing_receiver_is_retried_with_back_off_then_given_up(monitor, receiver):
    (delivery, _) = monitor.evaluate()
    receiver.answers = [503, httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), 500, 404]
    delays = [monitor.deliver(delivery, attempt) for attempt in range(5)]
    assert delays == [*RETRY_DELAYS_S, None]
    assert delays[:-1] == sorted(delays[:-1])
    # Three answers were HTTP errors, two never reached the receiver.
    assert [url for url, _ in receiver.posts] == [HOOKS[0]] * 3


def test_a_retry_that_a_newer_change_superseded_is_dropped(monitor, receiver, health, clock):
    (firing, _) = monitor.evaluate()
    receiver.answers = [503]
    assert monitor.deliver(firing, 0) == RETRY_DELAYS_S[0]
    health.down = False
    clock.now = T0 + timedelta(seconds=30)
    (resolved, _) = monitor.evaluate()
    # The retry of "firing" comes after the alert resolved: sending it would tell the
    # receiver the backend is down again.
    assert monitor.deliver(firing, 1) is None
    assert monitor.deliver(resolved, 0) is None
    # The attempt that got 503, then the resolution; the retry never went out.
    assert [body["status"] for _, body in receiver.posts] == ["firing", "resolved"]


def test_webhook_urls_are_checked_and_never_logged_whole(engine):
    with pytest.raises(ConfigError, match=r"^BATCHJUDGE_ALERT_WEBHOOKS: 'ftp://files\.test/…'"):
        build_alert_monitor(
            Settings(alert_webhooks=["ftp://files.test/secret"]), make_session_factory(engine)
        )
    for bad in ("hooks.example.org/services/secret", "http://hooks.test:port/secret"):
        with pytest.raises(ConfigError, match="is not an http") as caught:
            check_webhooks([bad])
        assert "secret" not in str(caught.value)
    check_webhooks(HOOKS)
    assert shown_url(HOOKS[1]) == "https://hooks.example.org/…"
    assert "secret" not in shown_url("http://user:secret@hooks.test:8080/x?token=secret")

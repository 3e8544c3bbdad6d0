"""Alert evaluation over a real SQLite database and fake sources: `for` durations that
survive restarts, one open alert per fingerprint, resolution, disabled rules, milestones,
log lines, and evaluations of two processes at once."""

import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.models import Alert, Base
from batchjudge.monitoring.alerting import (
    AlertEvaluator,
    AlertMonitor,
    AlertRule,
    AlertStatus,
    Finding,
    Readings,
    RuleSettings,
    build_alert_monitor,
)
from batchjudge.monitoring.health_report import CheckResult, HealthReport, HealthStatus
from batchjudge.monitoring.windows import Window
from batchjudge.settings import Environment, Settings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
JUDGE0_DOWN = CheckResult(HealthStatus.DOWN, "judge0.test unreachable: ConnectError")
JUDGE0_UP = CheckResult(HealthStatus.OK, "judge0.test answered HTTP 200 in 3 ms", 0.003)


class FakeHealth:
    """A health source whose Judge0 check the test flips."""

    def __init__(self) -> None:
        self.judge0 = JUDGE0_UP
        self.fail = False

    def check(self) -> HealthReport:
        if self.fail:
            raise OSError("cannot run the checks")
        status = HealthStatus.DOWN if self.judge0.status is HealthStatus.DOWN else HealthStatus.OK
        return HealthReport(status, {"backend_judge0": self.judge0})


class FakeFigures:
    def __init__(self) -> None:
        self.calls_saved = 0

    def performance(self, _window: Window) -> Mapping[str, Any]:
        return {"error_rate": 0.0, "queue_wait": {"p95": 0.0}}

    def efficiency(self, _window: Window) -> Mapping[str, Any]:
        return {"calls_saved": self.calls_saved}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite3'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def health() -> FakeHealth:
    return FakeHealth()


@pytest.fixture
def figures() -> FakeFigures:
    return FakeFigures()


@pytest.fixture
def clock() -> Clock:
    return Clock()


#: The fake's Judge0 check is the only one: health_down would follow it, so it is off.
QUIET = {"health_down": {"enabled": False}}


def _monitor(
    sessions: sessionmaker[Session],
    health: FakeHealth,
    figures: FakeFigures,
    clock: Clock,
    rules: dict[str, dict[str, Any]] | None = None,
) -> AlertMonitor:
    settings = Settings(alert_rules={**QUIET, **(rules or {})}, alert_interval_s=30)
    return build_alert_monitor(settings, sessions, health=health, figures=figures, clock=clock)


def _rows(sessions: sessionmaker[Session]) -> list[Alert]:
    with sessions() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def _evaluate(monitor: AlertMonitor, clock: Clock, after_s: float = 0) -> list[tuple[str, str]]:
    clock.advance(after_s)
    return [(change.fingerprint, change.status.value) for change in monitor.check_rules()]


def test_an_alert_fires_only_after_its_condition_held_for_the_duration(
    sessions, health, figures, clock
):
    monitor = _monitor(sessions, health, figures, clock)
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock) == []
    (pending,) = _rows(sessions)
    assert (pending.status, pending.fired_at) == ("pending", T0)
    for _ in range(9):
        assert _evaluate(monitor, clock, 30) == []
    assert _evaluate(monitor, clock, 29) == []
    assert _evaluate(monitor, clock, 1) == [("backend_unreachable:judge0", "firing")]
    (firing,) = _rows(sessions)
    assert firing.status == "firing"
    assert firing.fired_at == T0 + timedelta(seconds=300)
    assert firing.severity == "critical"
    assert firing.message == "backend judge0 is down: judge0.test unreachable: ConnectError"


def test_a_firing_alert_is_not_fired_again_and_resolves_when_the_condition_clears(
    sessions, health, figures, clock
):
    monitor = _monitor(sessions, health, figures, clock, {"backend_unreachable": {"for_s": 0}})
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock) == [("backend_unreachable:judge0", "firing")]
    for _ in range(5):
        assert _evaluate(monitor, clock, 30) == []
    assert len(_rows(sessions)) == 1
    health.judge0 = JUDGE0_UP
    assert _evaluate(monitor, clock, 30) == [("backend_unreachable:judge0", "resolved")]
    (resolved,) = _rows(sessions)
    assert resolved.status == "resolved"
    assert resolved.resolved_at == T0 + timedelta(seconds=180)
    assert resolved.last_evaluated_at == resolved.resolved_at
    assert _evaluate(monitor, clock, 30) == []
    # Down again: a new alert, the old one stays in the history.
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock, 30) == [("backend_unreachable:judge0", "firing")]
    assert [row.status for row in _rows(sessions)] == ["resolved", "firing"]


def test_a_condition_that_clears_before_its_duration_never_fires(sessions, health, figures, clock):
    monitor = _monitor(sessions, health, figures, clock)
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock) == []
    health.judge0 = JUDGE0_UP
    assert _evaluate(monitor, clock, 30) == []
    assert _rows(sessions) == []
    # Down again: the duration counts from now, not from the first time.
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock, 30) == []
    for _ in range(9):
        assert _evaluate(monitor, clock, 30) == []
    assert _evaluate(monitor, clock, 30) == [("backend_unreachable:judge0", "firing")]


def test_a_restart_keeps_the_pending_duration_and_does_not_fire_twice(
    sessions, health, figures, clock
):
    health.judge0 = JUDGE0_DOWN
    before = _monitor(sessions, health, figures, clock)
    assert _evaluate(before, clock) == []
    assert _evaluate(before, clock, 60) == []
    after = _monitor(sessions, health, figures, clock)  # a new process, same database
    assert _evaluate(after, clock, 60) == []
    assert _evaluate(after, clock, 90) == []
    assert _evaluate(after, clock, 90) == [("backend_unreachable:judge0", "firing")]
    again = _monitor(sessions, health, figures, clock)
    assert _evaluate(again, clock, 30) == []
    assert len(_rows(sessions)) == 1


def test_a_long_gap_between_evaluations_starts_the_duration_over(sessions, health, figures, clock):
    # The service was down for ten minutes: nobody saw the condition hold meanwhile.
    monitor = _monitor(sessions, health, figures, clock)
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock) == []
    assert _evaluate(monitor, clock, 600) == []
    (pending,) = _rows(sessions)
    assert pending.fired_at == T0 + timedelta(seconds=600)
    assert _evaluate(monitor, clock, 120) == []
    assert _evaluate(monitor, clock, 120) == []
    assert _evaluate(monitor, clock, 60) == [("backend_unreachable:judge0", "firing")]


def test_missing_readings_neither_fire_nor_resolve(sessions, health, figures, clock):
    monitor = _monitor(sessions, health, figures, clock, {"backend_unreachable": {"for_s": 0}})
    health.judge0 = JUDGE0_DOWN
    assert _evaluate(monitor, clock) == [("backend_unreachable:judge0", "firing")]
    health.judge0 = JUDGE0_UP
    health.fail = True
    assert _evaluate(monitor, clock, 30) == []
    assert [row.status for row in _rows(sessions)] == ["firing"]
    health.fail = False
    assert _evaluate(monitor, clock, 30) == [("backend_unreachable:judge0", "resolved")]


def test_disabling_a_rule_resolves_what_it_left_firing(sessions, health, figures, clock):
    health.judge0 = JUDGE0_DOWN
    monitor = _monitor(sessions, health, figures, clock, {"backend_unreachable": {"for_s": 0}})
    assert _evaluate(monitor, clock) == [("backend_unreachable:judge0", "firing")]
    disabled = _monitor(
        sessions, health, figures, clock, {"backend_unreachable": {"enabled": False}}
    )
    assert _evaluate(disabled, clock, 30) == [("backend_unreachable:judge0", "resolved")]
    assert _evaluate(disabled, clock, 30) == []


def test_reaching_the_next_milestone_resolves_the_last_one(sessions, health, figures, clock):
    monitor = _monitor(sessions, health, figures, clock)
    figures.calls_saved = 9_000
    assert _evaluate(monitor, clock) == []
    figures.calls_saved = 12_000
    assert _evaluate(monitor, clock, 30) == [("efficiency_milestone:10000", "firing")]
    figures.calls_saved = 50_000
    assert _evaluate(monitor, clock, 30) == []
    figures.calls_saved = 100_001
    changes = _evaluate(monitor, clock, 30)
    assert sorted(changes) == [
        ("efficiency_milestone:10000", "resolved"),
        ("efficiency_milestone:100000", "firing"),
    ]
    firing = [row for row in _rows(sessions) if row.status == "firing"]
    assert [(row.severity, row.value) for row in firing] == [("info", 100_001)]


def test_each_change_is_one_log_line_at_its_severity(
    sessions, health, figures, clock, caplog: pytest.LogCaptureFixture
):
    monitor = _monitor(sessions, health, figures, clock, {"backend_unreachable": {"for_s": 0}})
    caplog.set_level(logging.INFO, logger="batchjudge.monitoring.alerting")
    health.judge0 = JUDGE0_DOWN
    monitor.evaluate()
    monitor.evaluate()
    health.judge0 = JUDGE0_UP
    clock.advance(30)
    monitor.evaluate()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if "alert " in r.getMessage()]
    assert lines == [
        (
            "CRITICAL",
            "alert firing: backend_unreachable:judge0 [critical] backend judge0 is down: "
            "judge0.test unreachable: ConnectError",
        ),
        (
            "CRITICAL",
            "alert resolved: backend_unreachable:judge0 [critical] backend judge0 is down: "
            "judge0.test unreachable: ConnectError",
        ),
    ]


def test_two_processes_evaluating_at_once_open_one_alert(tmp_path, health, figures, clock):
    # Separate engines, as two server processes sharing the database file would have.
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    Base.metadata.create_all(make_engine(url))
    engines = [make_engine(url) for _ in range(4)]
    rules = {"backend_unreachable": {"for_s": 0}}
    monitors = [_monitor(make_session_factory(e), health, figures, clock, rules) for e in engines]
    health.judge0 = JUDGE0_DOWN
    barrier = threading.Barrier(len(monitors))
    fired: list[tuple[str, str]] = []

    def run(monitor: AlertMonitor) -> None:
        barrier.wait()
        for _ in range(5):
            fired.extend(_evaluate(monitor, clock))

    threads = [threading.Thread(target=run, args=(m,)) for m in monitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fired == [("backend_unreachable:judge0", "firing")]
    rows = _rows(make_session_factory(engines[0]))
    assert [(row.fingerprint, row.status) for row in rows] == [
        ("backend_unreachable:judge0", AlertStatus.FIRING.value)
    ]
    for engine in engines:
        engine.dispose()


def test_a_rule_that_raises_does_not_stop_the_others(sessions, health, figures, clock):
    def broken(_settings: RuleSettings, _readings: Readings) -> list[Finding] | None:
        raise KeyError("p95")

    monitor = _monitor(sessions, health, figures, clock, {"backend_unreachable": {"for_s": 0}})
    rules = monitor.evaluator.rules
    bad = AlertRule("broken", "raises", rules[0].settings, broken)
    evaluator = AlertEvaluator([bad, *rules], sessions, max_gap_s=120)
    health.judge0 = JUDGE0_DOWN
    readings = Readings(now=clock(), environment=Environment.DEVELOPMENT, health=health)
    changes = evaluator.evaluate(readings, clock())
    assert [change.fingerprint for change in changes] == ["backend_unreachable:judge0"]

"""Alert rules: the defaults, overrides and their one-line errors, and each condition over
a fake health report and fake figures."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from batchjudge.domain.errors import ConfigError
from batchjudge.monitoring.alerting import DEFAULT_RULES, AlertRule, Readings, Severity, load_rules
from batchjudge.monitoring.health_report import CheckResult, HealthReport, HealthStatus
from batchjudge.monitoring.windows import Window
from batchjudge.settings import Environment, Settings

OK, DEGRADED, DOWN = HealthStatus.OK, HealthStatus.DEGRADED, HealthStatus.DOWN
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DEV, PROD = Environment.DEVELOPMENT, Environment.PRODUCTION


class FakeHealth:
    def __init__(self, **checks: CheckResult) -> None:
        self.checks = checks

    def check(self) -> HealthReport:
        order = list(HealthStatus)
        status = max((c.status for c in self.checks.values()), key=order.index, default=OK)
        return HealthReport(status, dict(self.checks))


class FakeFigures:
    def __init__(self, performance: Mapping[str, Any], efficiency: Mapping[str, Any]) -> None:
        self.figures = {"performance": performance, "efficiency": efficiency}
        self.windows: list[tuple[str, Window]] = []

    def performance(self, window: Window) -> Mapping[str, Any]:
        self.windows.append(("performance", window))
        return self.figures["performance"]

    def efficiency(self, window: Window) -> Mapping[str, Any]:
        self.windows.append(("efficiency", window))
        return self.figures["efficiency"]


def _rule(name: str, **overrides: Any) -> AlertRule:
    rules = load_rules(Settings(alert_rules={name: overrides} if overrides else {}))
    return next(rule for rule in rules if rule.name == name)


def _findings(rule: AlertRule, readings: Readings) -> list[tuple[str, float | None]] | None:
    found = rule.condition(rule.settings, readings)
    return None if found is None else [(f.subject, f.value) for f in found]


def _health(environment: Environment = DEV, **checks: CheckResult) -> Readings:
    return Readings(now=NOW, environment=environment, health=FakeHealth(**checks))


def _figures(figures: FakeFigures) -> Readings:
    return Readings(now=NOW, environment=DEV, figures=figures)


def test_defaults_match_the_issue():
    rules = {rule.name: rule.settings for rule in load_rules(Settings())}
    assert list(rules) == [rule.name for rule in DEFAULT_RULES]
    assert (rules["health_down"].severity, rules["health_down"].for_s) == (Severity.CRITICAL, 60)
    assert rules["backend_unreachable"].for_s == 300
    assert rules["sandbox_degraded"].severity is Severity.CRITICAL
    assert (rules["error_rate"].threshold, rules["error_rate"].window_s) == (0.01, 900)
    assert rules["queue_wait"].threshold == 30
    assert rules["judge0_quota"].threshold == rules["disk_free"].threshold == 0.10
    assert rules["efficiency_milestone"].severity is Severity.INFO
    assert rules["efficiency_milestone"].threshold == 10_000
    assert all(settings.enabled for settings in rules.values())


def test_overrides_change_only_what_they_name():
    rules = load_rules(
        Settings(
            alert_rules={
                "backend_unreachable": {"for_s": 1},
                "error_rate": {"threshold": 0.05, "enabled": False},
                "queue_wait": {"severity": "critical", "window_s": 3600},
            }
        )
    )
    by_name = {rule.name: rule.settings for rule in rules}
    assert by_name["backend_unreachable"].for_s == 1
    assert by_name["backend_unreachable"].severity is Severity.CRITICAL
    assert (by_name["error_rate"].threshold, by_name["error_rate"].enabled) == (0.05, False)
    assert by_name["error_rate"].window_s == 900
    assert by_name["queue_wait"].severity is Severity.CRITICAL
    assert by_name["queue_wait"].window_s == 3600


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"backend_down": {"for_s": 1}}, "unknown rule 'backend_down'"),
        ({"health_down": {"threshold": 2}}, "health_down: no setting 'threshold'"),
        ({"error_rate": {"threshold": 5}}, "error_rate.threshold: must be at most 1"),
        ({"error_rate": {"threshold": -1}}, "error_rate.threshold: Input should be greater"),
        ({"queue_wait": {"for_s": "soon"}}, "queue_wait.for_s: Input should be a valid number"),
        ({"disk_free": {"severity": "urgent"}}, "disk_free.severity: Input should be"),
        ({"efficiency_milestone": {"factor": 1}}, "efficiency_milestone.factor"),
    ],
)
def test_a_bad_override_is_a_one_line_config_error(overrides, message):
    with pytest.raises(ConfigError, match=r"^BATCHJUDGE_ALERT_RULES: ") as caught:
        load_rules(Settings(alert_rules=overrides))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_health_down_names_the_checks_that_are_down():
    rule = _rule("health_down")
    readings = _health(database=CheckResult(DOWN, "refused"), disk=CheckResult(OK))
    found = rule.condition(rule.settings, readings)
    assert found is not None
    assert [f.message for f in found] == ["health is down: database (refused)"]
    assert _findings(rule, _health(disk=CheckResult(DEGRADED))) == []


def test_backend_unreachable_gives_one_finding_per_backend_that_is_down():
    rule = _rule("backend_unreachable")
    readings = _health(
        backend_judge0=CheckResult(DOWN, "judge0.test unreachable: ConnectError"),
        backend_local=CheckResult(OK),
        **{"backend:other": CheckResult(DOWN, "refused", 0.5)},
        database=CheckResult(DOWN),
    )
    assert sorted(_findings(rule, readings) or []) == [("judge0", None), ("other", 0.5)]
    assert rule.fingerprint("judge0") == "backend_unreachable:judge0"


def test_the_sandbox_rule_fires_only_in_production():
    rule = _rule("sandbox_degraded")
    reduced = CheckResult(DEGRADED, "reduced isolation: no cgroups", 1)
    assert _findings(rule, _health(PROD, sandbox=reduced)) == [("", 1)]
    assert _findings(rule, _health(DEV, sandbox=reduced)) == []
    assert _findings(rule, _health(PROD, sandbox=CheckResult(OK))) == []


def test_figure_rules_read_their_window_and_compare_with_the_threshold():
    figures = FakeFigures({"error_rate": 0.02, "queue_wait": {"p95": 12.0}}, {})
    readings = _figures(figures)
    assert _findings(_rule("error_rate"), readings) == [("", 0.02)]
    assert _findings(_rule("error_rate", threshold=0.05), readings) == []
    assert _findings(_rule("queue_wait"), readings) == []
    assert _findings(_rule("queue_wait", threshold=10), readings) == [("", 12.0)]
    # Read once per evaluation and window, over the rule's 15 minutes.
    assert figures.windows == [("performance", Window(NOW - timedelta(minutes=15), NOW))]


def test_quota_and_disk_compare_the_fraction_their_check_measured():
    quota, disk = _rule("judge0_quota"), _rule("disk_free")
    low = _health(
        judge0_quota=CheckResult(DEGRADED, "5 of 100", 0.05), disk=CheckResult(OK, "", 0.5)
    )
    assert _findings(quota, low) == [("judge0", 0.05)]
    assert _findings(disk, low) == []
    assert _findings(disk, _health(disk=CheckResult(DEGRADED, "", 0.04))) == [("", 0.04)]
    # No key pool (no quota check): nothing to say; a check that could not measure: unknown.
    assert _findings(quota, _health(disk=CheckResult(OK, "", 0.5))) == []
    assert _findings(quota, _health(judge0_quota=CheckResult(DOWN, "cannot read"))) is None


def test_milestones_reach_the_threshold_then_each_factor_times_the_last():
    rule = _rule("efficiency_milestone")

    def reached(saved: float) -> list[tuple[str, float | None]] | None:
        figures = FakeFigures({}, {"calls_saved": saved})
        return _findings(rule, _figures(figures))

    assert reached(9_999) == []
    assert reached(10_000) == [("10000", 10_000)]
    assert reached(99_999) == [("10000", 99_999)]
    assert reached(250_000) == [("100000", 250_000)]
    halves = _rule("efficiency_milestone", threshold=1000, factor=2)
    figures = FakeFigures({}, {"calls_saved": 5000})
    assert _findings(halves, _figures(figures)) == [("4000", 5000)]
    assert figures.windows == [("efficiency", Window(None, NOW))]  # all history


def test_missing_readings_are_unknown_not_clear():
    nothing = Readings(now=NOW, environment=PROD)
    for rule in load_rules(Settings()):
        assert rule.condition(rule.settings, nothing) is None, rule.name

    class Broken:
        def check(self) -> HealthReport:
            raise OSError("the database is gone")

    broken = Readings(now=NOW, environment=PROD, health=Broken())
    assert _rule("health_down").condition(_rule("health_down").settings, broken) is None
    # A figure the source does not have yet (no submissions) is unknown too.
    empty = _figures(FakeFigures({}, {}))
    assert _findings(_rule("error_rate"), empty) is None

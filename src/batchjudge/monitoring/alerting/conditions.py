"""The conditions of the default alert rules: pure functions of the settings and readings.

Each returns the subjects it holds for now, or None when a reading it needs is missing.
"""

from collections.abc import Callable, Mapping
from typing import Any

from batchjudge.monitoring.alerting.readings import Readings
from batchjudge.monitoring.alerting.rules import Finding, RuleSettings
from batchjudge.monitoring.health_report import HealthStatus
from batchjudge.settings import Environment

#: Health check names of execution backends start with one of these (`backend_judge0`).
BACKEND_CHECK_PREFIXES = ("backend_", "backend:")
#: The health checks whose value is a fraction the warnings compare with a threshold.
QUOTA_CHECK = "judge0_quota"
DISK_CHECK = "disk"
SANDBOX_CHECK = "sandbox"


def health_down(_settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """The overall health status is down."""
    report = readings.health()
    if report is None:
        return None
    if report.status is not HealthStatus.DOWN:
        return []
    down = [
        f"{name} ({check.detail})" if check.detail else name
        for name, check in sorted(report.checks.items())
        if check.status is HealthStatus.DOWN
    ]
    return [Finding("", None, "health is down: " + ("; ".join(down) or "no check says why"))]


def backend_unreachable(_settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """A backend's health check is down; one finding per backend."""
    report = readings.health()
    if report is None:
        return None
    findings = []
    for name, check in sorted(report.checks.items()):
        backend = _backend_name(name)
        if backend is None or check.status is not HealthStatus.DOWN:
            continue
        detail = f": {check.detail}" if check.detail else ""
        findings.append(Finding(backend, check.value, f"backend {backend} is down{detail}"))
    return findings


def sandbox_degraded(_settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """In production, the sandbox check is not ok (reduced isolation, or broken)."""
    if readings.environment is not Environment.PRODUCTION:
        return []
    report = readings.health()
    if report is None:
        return None
    check = report.checks.get(SANDBOX_CHECK)
    if check is None or check.status is HealthStatus.OK:
        return []
    detail = f": {check.detail}" if check.detail else ""
    return [Finding("", check.value, f"the sandbox is {check.status.value} in production{detail}")]


def error_rate(settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """The error rate (a fraction) over the window is above the threshold."""
    rate = _figure(readings.performance(settings.window_s), "error_rate")
    if rate is None:
        return None
    limit = _threshold(settings)
    if rate <= limit:
        return []
    window = _duration(settings.window_s)
    return [Finding("", rate, f"error rate {rate:.1%} over {window} is above {limit:.1%}")]


def queue_wait(settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """The 95th percentile of queue wait (seconds) over the window is above the threshold."""
    wait = _figure(readings.performance(settings.window_s), "queue_wait", "p95")
    if wait is None:
        return None
    limit = _threshold(settings)
    if wait <= limit:
        return []
    window = _duration(settings.window_s)
    message = f"queue wait p95 {wait:.1f} s over {window} is above {limit:g} s"
    return [Finding("", wait, message)]


def judge0_quota(settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """The Judge0 key pool has less than the threshold (a fraction) of today's quota."""
    return _fraction_below(
        settings,
        readings,
        QUOTA_CHECK,
        lambda left, limit: Finding(
            "judge0", left, f"Judge0 quota left today is {left:.1%}, below {limit:.0%}"
        ),
    )


def disk_free(settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """The data dir's file system has less than the threshold (a fraction) free."""
    return _fraction_below(
        settings,
        readings,
        DISK_CHECK,
        lambda free, limit: Finding(
            "", free, f"free disk in the data dir is {free:.1%}, below {limit:.0%}"
        ),
    )


def efficiency_milestone(settings: RuleSettings, readings: Readings) -> list[Finding] | None:
    """Remote calls saved (all history) reached a milestone: the threshold, then each
    `factor` times the last. Only the highest milestone reached is a finding, so reaching
    the next one resolves the previous one."""
    saved = _figure(readings.efficiency(settings.window_s), "calls_saved")
    if saved is None:
        return None
    milestone = _threshold(settings)
    factor = settings.factor or 10.0
    if milestone <= 0 or saved < milestone:
        return []
    while saved >= milestone * factor:
        milestone *= factor
    reached = round(milestone)
    message = f"{reached:,} remote calls saved by multi-test grading ({saved:,.0f} so far)"
    return [Finding(str(reached), saved, message)]


def _backend_name(check_name: str) -> str | None:
    for prefix in BACKEND_CHECK_PREFIXES:
        if check_name.startswith(prefix):
            return check_name.removeprefix(prefix)
    return None


def _fraction_below(
    settings: RuleSettings,
    readings: Readings,
    check_name: str,
    finding: Callable[[float, float], Finding],
) -> list[Finding] | None:
    """Health check `check_name` measured a fraction below the threshold. A check that
    is absent (a pool without keys to count) never fires; one without a value (it could
    not measure) is unknown."""
    report = readings.health()
    if report is None:
        return None
    check = report.checks.get(check_name)
    if check is None:
        return []
    if check.value is None:
        return None
    limit = _threshold(settings)
    return [] if check.value >= limit else [finding(check.value, limit)]


def _threshold(settings: RuleSettings) -> float:
    assert settings.threshold is not None, "rules that compare have a threshold"
    return settings.threshold


def _figure(figures: Mapping[str, Any] | None, *path: str) -> float | None:
    """The number at `path` in `figures`, or None when it is missing (no data yet)."""
    value: Any = figures
    for key in path:
        if not isinstance(value, Mapping) or value.get(key) is None:
            return None
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "all history"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"

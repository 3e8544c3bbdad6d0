"""The default alert rules (issue #5, §6) and `load_rules`, which applies the overrides."""

from batchjudge.monitoring.alerting import conditions
from batchjudge.monitoring.alerting.rules import AlertRule, RuleSettings, Severity, configure
from batchjudge.settings import Settings

_CRITICAL = Severity.CRITICAL
_WARNING = Severity.WARNING

#: Name, summary, default settings, condition; thresholds that are fractions cap at 1.
DEFAULT_RULES: tuple[AlertRule, ...] = (
    AlertRule(
        "health_down",
        "the overall health status is down",
        RuleSettings(severity=_CRITICAL, for_s=60),
        conditions.health_down,
    ),
    AlertRule(
        "backend_unreachable",
        "an execution backend's health check is down (one alert per backend)",
        RuleSettings(severity=_CRITICAL, for_s=300),
        conditions.backend_unreachable,
    ),
    AlertRule(
        "sandbox_degraded",
        "the sandbox check is not ok while environment is production",
        RuleSettings(severity=_CRITICAL, for_s=0),
        conditions.sandbox_degraded,
    ),
    AlertRule(
        "error_rate",
        "the share of gradings with IE or a backend error, over the window, is above",
        RuleSettings(severity=_WARNING, for_s=0, threshold=0.01, window_s=900),
        conditions.error_rate,
        threshold_max=1.0,
    ),
    AlertRule(
        "queue_wait",
        "the 95th percentile of queue wait (seconds), over the window, is above",
        RuleSettings(severity=_WARNING, for_s=0, threshold=30, window_s=900),
        conditions.queue_wait,
    ),
    AlertRule(
        "judge0_quota",
        "the share of today's Judge0 key-pool quota left is below",
        RuleSettings(severity=_WARNING, for_s=0, threshold=0.10),
        conditions.judge0_quota,
        threshold_max=1.0,
    ),
    AlertRule(
        "disk_free",
        "the share of the data dir's file system that is free is below",
        RuleSettings(severity=_WARNING, for_s=0, threshold=0.10),
        conditions.disk_free,
        threshold_max=1.0,
    ),
    AlertRule(
        "efficiency_milestone",
        "remote calls saved reached the threshold, then each `factor` times the last",
        RuleSettings(severity=Severity.INFO, for_s=0, threshold=10_000, factor=10),
        conditions.efficiency_milestone,
    ),
)


def load_rules(settings: Settings) -> list[AlertRule]:
    """The default rules with `settings.alert_rules` applied.

    Raises:
        ConfigError: one line, for an unknown rule, setting or a bad value.
    """
    return configure(DEFAULT_RULES, settings.alert_rules)

"""Alert rules: the defaults, their tunable settings, and the operator's overrides.

A rule has a name, a severity, a condition (see `conditions`) and settings. The settings
a rule has are the ones its default sets; `settings.alert_rules` may override any of
them by rule name, for example
`{"backend_unreachable": {"for_s": 1}, "error_rate": {"threshold": 0.05}}`.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from batchjudge.domain.errors import ConfigError
from batchjudge.monitoring.alerting.readings import Readings


class Severity(StrEnum):
    """How urgent an alert is; also the level of its log line."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def log_level(self) -> int:
        """The `logging` level an alert of this severity is logged at."""
        return _LOG_LEVELS[self.value]


_LOG_LEVELS = {"critical": logging.CRITICAL, "warning": logging.WARNING, "info": logging.INFO}


class RuleSettings(BaseModel):
    """What an operator may tune in a rule.

    Attributes:
        enabled: a disabled rule is not evaluated, and its firing alerts resolve.
        severity: critical, warning or info.
        for_s: seconds the condition must hold before the alert fires (0: at once).
        threshold: the limit the rule compares with, in the unit its docs give; None
            for rules without one.
        window_s: seconds of history a figure is computed over; None for rules that
            read no figure (or read all history).
        factor: each milestone after the first is this many times the previous one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity
    for_s: float = Field(ge=0, le=7 * 86400)
    threshold: float | None = Field(default=None, ge=0)
    window_s: float | None = Field(default=None, gt=0, le=366 * 86400)
    factor: float | None = Field(default=None, gt=1, le=1000)


@dataclass(frozen=True)
class Finding:
    """One subject for which a rule's condition holds now.

    Attributes:
        subject: what the condition is about (`judge0`); empty for the whole service.
        value: the measured figure, if any.
        message: one line for people.
    """

    subject: str
    value: float | None
    message: str


#: A condition: the subjects it holds for now, or None when its readings are unavailable
#: (then the rule's alerts are left as they are: missing data neither fires nor resolves).
Condition = Callable[[RuleSettings, Readings], list[Finding] | None]


@dataclass(frozen=True)
class AlertRule:
    """A rule with its effective settings."""

    name: str
    summary: str
    settings: RuleSettings
    condition: Condition
    threshold_max: float | None = None

    def fingerprint(self, subject: str) -> str:
        """The identity of this rule's alert about `subject` (at most one is open)."""
        return f"{self.name}:{subject}" if subject else self.name

    def tunable(self) -> list[str]:
        """The setting names this rule has."""
        always = ["enabled", "severity", "for_s"]
        optional = ["threshold", "window_s", "factor"]
        return always + [key for key in optional if getattr(self.settings, key) is not None]


def configure(
    defaults: tuple[AlertRule, ...], overrides: Mapping[str, Mapping[str, object]]
) -> list[AlertRule]:
    """The rules with `overrides` applied, every one of them checked.

    Raises:
        ConfigError: one line naming the rule and setting, for an unknown rule, a setting
            the rule does not have, or a bad value.
    """
    known = {rule.name: rule for rule in defaults}
    for name in overrides:
        if name not in known:
            raise ConfigError(
                f"BATCHJUDGE_ALERT_RULES: unknown rule {name!r} (known: {', '.join(known)})"
            )
    return [_override(rule, overrides.get(rule.name, {})) for rule in defaults]


def _override(rule: AlertRule, changes: Mapping[str, object]) -> AlertRule:
    where = f"BATCHJUDGE_ALERT_RULES: {rule.name}"
    tunable = rule.tunable()
    for key in changes:
        if key not in tunable:
            raise ConfigError(f"{where}: no setting {key!r} (it has {', '.join(tunable)})")
    try:
        settings = RuleSettings.model_validate({**rule.settings.model_dump(), **changes})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"{where}.{key}: {error['msg']}") from None
    limit = rule.threshold_max
    if limit is not None and settings.threshold is not None and settings.threshold > limit:
        raise ConfigError(f"{where}.threshold: must be at most {limit:g} (a fraction)")
    return AlertRule(rule.name, rule.summary, settings, rule.condition, rule.threshold_max)

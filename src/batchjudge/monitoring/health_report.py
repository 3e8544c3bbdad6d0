"""What a health check answers: one status overall and one per check."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class HealthStatus(StrEnum):
    """Ordered from best to worst; the overall status is the worst of the checks."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class CheckResult:
    """One check: its status, a line for people, and the measured value if any."""

    status: HealthStatus
    detail: str = ""
    value: float | None = None


@dataclass(frozen=True)
class HealthReport:
    """Every check by name, and the overall status."""

    status: HealthStatus
    checks: dict[str, CheckResult] = field(default_factory=dict)


class HealthSource(Protocol):
    """Anything that can tell the service's health now (alert rules read it)."""

    def check(self) -> HealthReport:
        """Run every check and report."""
        ...

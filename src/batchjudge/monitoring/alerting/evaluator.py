"""AlertEvaluator: turns the rules' findings into alert rows that fire, stay and resolve.

All alert state lives in the `alerts` table, so a restart loses nothing and replicas
sharing the database agree:

- a finding with no open row opens one as `pending`, `fired_at` holding when the
  condition was first seen; once it has held for the rule's `for_s`, the row turns
  `firing` and `fired_at` becomes the firing time;
- a pending condition must be seen at every evaluation: after a gap longer than
  `max_gap_s` (the service was down) it starts over rather than fire on stale evidence;
- a condition that clears deletes a pending row (it never fired) and resolves a firing
  one (`resolved_at`); so does disabling its rule;
- a rule whose readings are unavailable leaves its rows alone: no data is not "clear";
- the fingerprint (rule and subject) deduplicates: one open row per fingerprint.

Evaluations take turns through the database (an advisory lock on PostgreSQL, the write
lock on SQLite), so two processes cannot open the same alert twice.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.monitoring import Alert
from batchjudge.monitoring.alerting.readings import Readings
from batchjudge.monitoring.alerting.rules import AlertRule, Finding, Severity

_log = logging.getLogger(__name__)

#: pg_advisory_xact_lock key of alert evaluation ("bj-alert" as a number).
_LOCK_KEY = 0x626A2D616C657274


class AlertStatus(StrEnum):
    """Where an alert row is in its life."""

    PENDING = "pending"  # the condition holds, not yet for the rule's `for_s`
    FIRING = "firing"
    RESOLVED = "resolved"


_OPEN = (AlertStatus.PENDING.value, AlertStatus.FIRING.value)


@dataclass(frozen=True)
class AlertChange:
    """An alert that fired or resolved in one evaluation."""

    alert_id: int
    status: AlertStatus
    rule: str
    severity: Severity
    fingerprint: str
    message: str
    value: float | None


class AlertEvaluator:
    """Applies the rules to readings and records the outcome.

    Args:
        rules: the configured rules; disabled ones only resolve what they left firing.
        sessions: the service's database sessions.
        max_gap_s: longest pause between evaluations that still counts as the condition
            holding throughout (`for_s`).
    """

    def __init__(
        self, rules: Sequence[AlertRule], sessions: sessionmaker[Session], max_gap_s: float
    ) -> None:
        self._rules = {rule.name: rule for rule in rules}
        self._sessions = sessions
        self._max_gap_s = max_gap_s

    @property
    def rules(self) -> list[AlertRule]:
        """Every configured rule, enabled or not."""
        return list(self._rules.values())

    def evaluate(self, readings: Readings, now: datetime) -> list[AlertChange]:
        """Evaluate every enabled rule at `now`; return what fired and what resolved."""
        # The readings (health probes, figure queries) come first, outside the transaction.
        seen = {
            rule.name: _observe(rule, readings)
            for rule in self._rules.values()
            if rule.settings.enabled
        }
        changes: list[AlertChange] = []
        with self._sessions.begin() as session:
            _take_turn(session)
            open_rows = _open_rows(session)
            for rule_name, findings in seen.items():
                if findings is None:
                    continue
                rule = self._rules[rule_name]
                for fingerprint, finding in findings.items():
                    row = open_rows.pop(fingerprint, None)
                    change = self._hold(session, rule, fingerprint, finding, row, now)
                    if change is not None:
                        changes.append(change)
            for row in open_rows.values():
                if seen.get(row.rule, []) is None:
                    continue  # its readings are missing this time
                change = _clear(session, row, now)
                if change is not None:
                    changes.append(change)
        return changes

    def _hold(
        self,
        session: Session,
        rule: AlertRule,
        fingerprint: str,
        finding: Finding,
        row: Alert | None,
        now: datetime,
    ) -> AlertChange | None:
        """The condition holds for `fingerprint` now."""
        if row is not None and row.status == AlertStatus.PENDING:
            gap = (now - row.last_evaluated_at).total_seconds()
            if gap > self._max_gap_s:
                row.fired_at = now  # not watched meanwhile: the `for` starts over
        if row is None:
            row = Alert(
                rule=rule.name,
                severity=rule.settings.severity.value,
                fingerprint=fingerprint,
                status=AlertStatus.PENDING.value,
                message=finding.message,
                value=finding.value,
                fired_at=now,
                last_evaluated_at=now,
            )
            session.add(row)
        row.message = finding.message
        row.value = finding.value
        row.last_evaluated_at = now
        held_s = (now - row.fired_at).total_seconds()
        if row.status != AlertStatus.PENDING or held_s < rule.settings.for_s:
            return None
        row.status = AlertStatus.FIRING.value
        row.fired_at = now
        session.flush()
        return _change(row)


def _observe(rule: AlertRule, readings: Readings) -> dict[str, Finding] | None:
    try:
        findings = rule.condition(rule.settings, readings)
    except Exception:
        # A broken rule (a figure of an unexpected shape) must not silence the others.
        _log.exception("alert rule %s failed; its alerts stay as they are", rule.name)
        return None
    if findings is None:
        return None
    return {rule.fingerprint(finding.subject): finding for finding in findings}


def _take_turn(session: Session) -> None:
    """Serialise evaluations across processes for the rest of the transaction."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    elif dialect == "sqlite":
        # A write statement, even one that matches no row, takes the database's write lock
        # until the transaction ends; reads after it see every earlier evaluation.
        session.execute(update(Alert).where(Alert.id < 0).values(status=Alert.status))


def _open_rows(session: Session) -> dict[str, Alert]:
    """Open rows by fingerprint; a duplicate (left by an older version) is closed."""
    rows = session.scalars(select(Alert).where(Alert.status.in_(_OPEN)).order_by(Alert.id)).all()
    found: dict[str, Alert] = {}
    for row in rows:
        if row.fingerprint in found:
            row.status = AlertStatus.RESOLVED.value
            row.resolved_at = row.last_evaluated_at
            continue
        found[row.fingerprint] = row
    return found


def _clear(session: Session, row: Alert, now: datetime) -> AlertChange | None:
    """The condition no longer holds for `row` (or its rule is disabled or gone)."""
    if row.status == AlertStatus.PENDING:
        session.delete(row)
        return None
    row.status = AlertStatus.RESOLVED.value
    row.resolved_at = now
    row.last_evaluated_at = now
    return _change(row)


def _change(row: Alert) -> AlertChange:
    return AlertChange(
        alert_id=row.id,
        status=AlertStatus(row.status),
        rule=row.rule,
        severity=Severity(row.severity),
        fingerprint=row.fingerprint,
        message=row.message,
        value=row.value,
    )

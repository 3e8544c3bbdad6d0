"""Alerting (issue #5, §6): configurable rules over health and figures, evaluated by a
queue task, recorded in the `alerts` table, and delivered to the log and webhooks."""

from batchjudge.monitoring.alerting.defaults import DEFAULT_RULES, load_rules
from batchjudge.monitoring.alerting.evaluator import AlertChange, AlertEvaluator, AlertStatus
from batchjudge.monitoring.alerting.monitor import (
    AlertMonitor,
    Delivery,
    build_alert_monitor,
    check_alert_settings,
)
from batchjudge.monitoring.alerting.readings import FigureSource, Readings
from batchjudge.monitoring.alerting.rules import AlertRule, Finding, RuleSettings, Severity
from batchjudge.monitoring.alerting.store import AlertFilter, list_alerts
from batchjudge.monitoring.alerting.webhooks import WebhookSender, alert_payload

__all__ = [
    "DEFAULT_RULES",
    "AlertChange",
    "AlertEvaluator",
    "AlertFilter",
    "AlertMonitor",
    "AlertRule",
    "AlertStatus",
    "Delivery",
    "FigureSource",
    "Finding",
    "Readings",
    "RuleSettings",
    "Severity",
    "WebhookSender",
    "alert_payload",
    "build_alert_monitor",
    "check_alert_settings",
    "list_alerts",
    "load_rules",
]

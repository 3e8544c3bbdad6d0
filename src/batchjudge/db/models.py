"""Every model, imported together so the metadata Alembic compares against is complete."""

from batchjudge.db.abuse import AbuseFlag
from batchjudge.db.accounts import ApiToken, Institution, Role, User
from batchjudge.db.audit import AuditEvent
from batchjudge.db.base import Base
from batchjudge.db.figures import SubmissionFigures
from batchjudge.db.judge0 import Judge0ApiKey, Judge0Submission
from batchjudge.db.monitoring import Alert, ErrorEvent, Feedback, MetricsReset
from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.db.web import OnboardingEvent, WebSession
from batchjudge.db.workers import WorkerRow

__all__ = [
    "AbuseFlag",
    "Alert",
    "ApiToken",
    "AuditEvent",
    "Base",
    "ErrorEvent",
    "Execution",
    "Feedback",
    "Institution",
    "Judge0ApiKey",
    "Judge0Submission",
    "MetricsReset",
    "OnboardingEvent",
    "Problem",
    "ProblemTest",
    "ProblemVersion",
    "Role",
    "Submission",
    "SubmissionFigures",
    "SubmissionStatus",
    "TestResult",
    "User",
    "WebSession",
    "WorkerRow",
]

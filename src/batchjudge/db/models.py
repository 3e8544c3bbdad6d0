"""Every model, imported together so the metadata Alembic compares against is complete."""

from batchjudge.db.accounts import ApiToken, Institution, Role, User
from batchjudge.db.base import Base
from batchjudge.db.judge0 import Judge0ApiKey, Judge0Submission
from batchjudge.db.problems import Problem, ProblemTest, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult

__all__ = [
    "ApiToken",
    "Base",
    "Execution",
    "Institution",
    "Judge0ApiKey",
    "Judge0Submission",
    "Problem",
    "ProblemTest",
    "ProblemVersion",
    "Role",
    "Submission",
    "SubmissionStatus",
    "TestResult",
    "User",
]

"""Problem packages in the Kattis / ICPC layout: the model and its loader."""

from batchjudge.problems.model import (
    CaseSpec,
    CustomValidator,
    Problem,
    ProblemLimits,
    Validation,
    ValidationKind,
)
from batchjudge.problems.package import load_problem

__all__ = [
    "CaseSpec",
    "CustomValidator",
    "Problem",
    "ProblemLimits",
    "Validation",
    "ValidationKind",
    "load_problem",
]

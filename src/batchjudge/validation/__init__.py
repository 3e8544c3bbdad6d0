"""Output validation: validator flags and the Kattis default output validator."""

from batchjudge.validation.default import CheckResult, check_output
from batchjudge.validation.flags import ValidatorFlags, parse_default_flags, split_flags

__all__ = ["CheckResult", "ValidatorFlags", "check_output", "parse_default_flags", "split_flags"]

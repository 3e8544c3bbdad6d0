"""Submission styles and execution modes."""

from enum import StrEnum


class Style(StrEnum):
    """How the student's code is shaped."""

    AUTO = "auto"
    PROGRAM = "program"
    SOLVE = "solve"


class Mode(StrEnum):
    """How tests are packed into executions."""

    AUTO = "auto"
    MULTI = "multi"
    SINGLE = "single"

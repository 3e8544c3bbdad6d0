"""A student's source made ready for a backend: its style decided and its files assembled."""

import re
from dataclasses import dataclass

from batchjudge.domain.errors import SubmissionError
from batchjudge.domain.styles import Style
from batchjudge.languages.commands import PREPARED_MOUNT
from batchjudge.languages.registry import LanguageBundle


@dataclass(frozen=True)
class Submission:
    """What a student handed in."""

    language: LanguageBundle
    source: str
    style: Style = Style.AUTO


def resolve_style(submission: Submission) -> Style:
    """The style to grade in: as requested, or detected from the source.

    Auto picks program when a program pattern matches (a `main`, top-level code), else
    solve when a solve pattern matches, else program (and the compiler will complain).
    """
    if submission.style is not Style.AUTO:
        return submission.style
    rules = submission.language.spec.styles
    source = submission.source
    if any(re.search(p, source, re.MULTILINE) for p in rules.program):
        return Style.PROGRAM
    if any(re.search(p, source, re.MULTILINE) for p in rules.solve):
        return Style.SOLVE
    return Style.PROGRAM


def program_files(submission: Submission) -> tuple[str, dict[str, bytes]]:
    """The student's file name in the box and every file of the program.

    Raises:
        SubmissionError: the student's file would overwrite a driver file.
    """
    name = submission.language.spec.source_file_name(submission.source)
    files = submission.language.driver_sources()
    if name in files:
        raise SubmissionError(f"a source file may not be called {name}")
    files[name] = submission.source.encode()
    return name, files


def command_variables(
    source_name: str, style: Style, memory_mb: int, stack_mb: int
) -> dict[str, str]:
    """Values for the `$placeholders` of a language's commands."""
    return {
        "source": source_name,
        "style": style.value,
        "memory_mb": str(memory_mb),
        "stack_mb": str(stack_mb),
        "prep": PREPARED_MOUNT,
    }

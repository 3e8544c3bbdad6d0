"""A loaded problem package: limits, how output is validated, and its tests."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from batchjudge.domain.errors import ProblemError
from batchjudge.validation.flags import ValidatorFlags

#: Defaults when problem.yaml leaves a limit out.
DEFAULT_TIME_LIMIT_S = 2.0
DEFAULT_MEMORY_MB = 256
DEFAULT_OUTPUT_MB = 8


@dataclass(frozen=True)
class ProblemLimits:
    """Per-test limits: CPU seconds, memory in MiB, output in MiB."""

    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    output_mb: int = DEFAULT_OUTPUT_MB


class ValidationKind(StrEnum):
    """Who decides whether output is right: the default validator or the problem's own."""

    DEFAULT = "default"
    CUSTOM = "custom"


@dataclass(frozen=True)
class CustomValidator:
    """A problem's own output validator, as source files for the engine to build and run.

    It speaks the Kattis protocol: `validator input answer feedback_dir [flags] < output`,
    exit 42 accepts, 43 rejects, anything else is a judge error.

    Attributes:
        language_id: "python3" or "cpp17".
        entry: the file to run (Python) or the main source (C++).
        sources: every file to compile: all C++ sources together, or the Python entry.
        files: every file of the validator by relative POSIX path, helpers included.
        origin: the directory (or single file) it was read from.
    """

    language_id: str
    entry: str
    sources: tuple[str, ...]
    files: Mapping[str, bytes] = field(repr=False, hash=False)
    origin: Path


@dataclass(frozen=True)
class Validation:
    """How a problem's output is judged; `custom` is set exactly when kind is CUSTOM."""

    kind: ValidationKind = ValidationKind.DEFAULT
    flags: ValidatorFlags = field(default_factory=ValidatorFlags)
    custom: CustomValidator | None = None


@dataclass(frozen=True)
class CaseSpec:
    """One test: its name (path under data/ without extension) and where its files are.

    The files are read on demand so that loading a package with many large tests stays
    quick; each read goes to disk again.
    """

    name: str
    input_path: Path
    answer_path: Path
    is_sample: bool

    def read_input(self) -> bytes:
        """The test's input.

        Raises:
            ProblemError: the file disappeared or became unreadable since loading.
        """
        return _read(self.input_path, self.name)

    def read_answer(self) -> bytes:
        """The judge's answer.

        Raises:
            ProblemError: the file disappeared or became unreadable since loading.
        """
        return _read(self.answer_path, self.name)


@dataclass(frozen=True)
class Problem:
    """A problem package: samples first, then secret tests, in grading order."""

    name: str
    root: Path
    limits: ProblemLimits
    validation: Validation
    cases: tuple[CaseSpec, ...]

    @property
    def samples(self) -> tuple[CaseSpec, ...]:
        """The sample tests (shown to students)."""
        return tuple(case for case in self.cases if case.is_sample)


def _read(path: Path, case_name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProblemError(f"test {case_name}: cannot read {path}: {exc.strerror}") from exc

"""Results of grading: per test, per execution and for the whole submission."""

from dataclasses import dataclass, field
from enum import StrEnum

from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict


class ExecutionKind(StrEnum):
    """What a sandbox execution was for."""

    PREPARE = "prepare"
    COMPILE = "compile"
    RUN = "run"
    VALIDATOR = "validator"
    # Billed HTTP requests of a remote backend besides the one that ran the tests (RUN).
    POLL = "poll"
    RETRY = "retry"
    DISCOVER = "discover"
    # The remote backend was unavailable and the configured fallback applied.
    FALLBACK = "fallback"


@dataclass(frozen=True)
class RemoteCall:
    """One HTTP request a remote backend made; each is billed, so each is recorded.

    Attributes:
        kind: `create` (the call that ran tests), `poll`, `discover` or `retry` (a
            request that failed and was repeated).
        duration_s: seconds the request took.
        outcome: the HTTP status, or what went wrong (`timeout`, `connect`).
    """

    kind: str
    duration_s: float
    outcome: str


@dataclass(frozen=True)
class ExecutionRecord:
    """One sandbox execution spent on a submission, with the tests it covered."""

    kind: ExecutionKind
    tests: tuple[str, ...]
    duration_s: float
    outcome: str = ""


@dataclass(frozen=True)
class TestOutput:
    """What a test's process wrote and how it ended, kept when the caller asks for it.

    `exit_code` and `signal` are None when unknown (a test whose execution died).
    """

    __test__ = False  # not a pytest test class

    stdout: bytes
    stderr: bytes
    exit_code: int | None
    signal: int | None
    wall_time_s: float


@dataclass(frozen=True)
class CaseResult:
    """The verdict of one test.

    Attributes:
        name: the test's name (`sample/1`, `secret/group1/03`).
        verdict: its verdict.
        time_s: CPU seconds the test used.
        memory_kb: peak memory of the test, in KiB.
        message: why it failed, for people (validator message, runtime error, ...).
        output_preview: the start of the test's output, kept for samples.
        output: the test's whole output, when `GradeOptions.keep_output_bytes` asks.
    """

    name: str
    verdict: Verdict
    time_s: float = 0.0
    memory_kb: int = 0
    message: str = ""
    output_preview: str | None = None
    output: TestOutput | None = None


@dataclass(frozen=True)
class CompileReport:
    """How the compile step went."""

    ok: bool
    time_s: float
    output: str
    cached: bool


@dataclass(frozen=True)
class GradeReport:
    """Everything known about one graded submission."""

    verdict: Verdict
    language: str
    style: Style
    mode: Mode
    compile: CompileReport
    tests: tuple[CaseResult, ...]
    wall_time_s: float
    executions: tuple[ExecutionRecord, ...] = field(default=())
    message: str = ""

    @property
    def run_executions(self) -> int:
        """Executions that ran tests (compile and validator runs excluded)."""
        return sum(1 for e in self.executions if e.kind is ExecutionKind.RUN)

    @property
    def validator_executions(self) -> int:
        """Executions of a custom output validator."""
        return sum(1 for e in self.executions if e.kind is ExecutionKind.VALIDATOR)

"""What one execution reports back, whatever backend ran it."""

from dataclasses import dataclass
from enum import StrEnum

from batchjudge.domain.reports import RemoteCall

__all__ = ["ExecutionResult", "RemoteCall", "Termination"]


class Termination(StrEnum):
    """Why an execution ended."""

    EXITED = "exited"
    SIGNALED = "signaled"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"


@dataclass(frozen=True)
class ExecutionResult:
    """Outcome of one sandboxed process tree.

    Attributes:
        termination: why it ended; a limit takes precedence over the exit status.
        exit_code: the exit status when it exited, else None.
        signal: the killing signal when it was signaled, else None.
        cpu_time_s: CPU seconds used by the whole tree.
        wall_time_s: real seconds from start to end.
        peak_memory_kb: peak memory of the whole tree, in KiB.
        stdout: what it wrote to stdout (at most the output cap).
        stderr: what it wrote to stderr (at most the output cap).
        truncated: a remote server's maximum limits were below what this execution asked
            for and one of them ended it, so the test it was running has no verdict yet
            and goes again in a follow-up execution.
        compile_error: a backend that compiles together with the first run (Judge0)
            found that the program does not compile; these are the compiler's messages.
        calls: HTTP requests a remote backend spent on this execution.
    """

    termination: Termination
    exit_code: int | None
    signal: int | None
    cpu_time_s: float
    wall_time_s: float
    peak_memory_kb: int
    stdout: bytes
    stderr: bytes
    truncated: bool = False
    compile_error: str | None = None
    calls: tuple[RemoteCall, ...] = ()

    @property
    def succeeded(self) -> bool:
        """True when the process exited on its own with status 0."""
        return self.termination is Termination.EXITED and self.exit_code == 0

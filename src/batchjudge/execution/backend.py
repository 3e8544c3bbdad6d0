"""The execution-backend interface the grading engine is written against."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from batchjudge.domain.reports import RemoteCall
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.outcome import ExecutionResult
from batchjudge.languages.registry import LanguageBundle
from batchjudge.languages.spec import CompileStep


@dataclass(frozen=True)
class Program:
    """A compiled program a backend can run; only the backend that built it knows `location`."""

    language_id: str
    key: str
    location: str


@dataclass(frozen=True)
class CompileRequest:
    """Sources to turn into a program.

    Attributes:
        language: the language and its folder (binds, prepared files).
        files: every file of the program (student source and driver files) by box name.
        step: the compile command and its limits; None when the files run as they are.
        variables: values for the command placeholders (`source`, `style`, ...).
    """

    language: LanguageBundle
    files: Mapping[str, bytes]
    step: CompileStep | None
    variables: Mapping[str, str]


@dataclass(frozen=True)
class CompileResult:
    """Outcome of a compile step.

    Attributes:
        ok: the program compiled.
        output: compiler messages (truncated).
        time_s: seconds spent compiling, 0 when served from the cache.
        cached: the program came from the compile cache.
        program: the runnable program when `ok`.
        executions: sandbox executions spent (0 when cached).
        deferred: nothing was compiled yet; the first `run` compiles and reports a
            compile error in `ExecutionResult.compile_error` (Judge0 compiles and runs in
            one billed call).
        calls: HTTP requests a remote backend spent here (server discovery).
    """

    ok: bool
    output: str
    time_s: float
    cached: bool
    program: Program | None
    executions: int = 1
    deferred: bool = False
    calls: tuple[RemoteCall, ...] = ()


@dataclass(frozen=True)
class RunRequest:
    """One execution of a compiled program.

    Attributes:
        language: the program's language.
        program: what `compile` returned.
        command: the argv to start, placeholders already filled.
        stdin: bytes fed to the process.
        limits: bounds for the whole execution.
        work_files: files placed in a fresh writable directory mounted at /work.
        expose_memory_events: let the driver read the memory cgroup's OOM counter.
    """

    language: LanguageBundle
    program: Program
    command: Sequence[str]
    stdin: bytes
    limits: ResourceLimits
    work_files: Mapping[str, bytes] = field(default_factory=dict)
    expose_memory_events: bool = False


class ExecutionBackend(Protocol):
    """Runs programs somewhere: the local sandbox, a remote judge, or a fake in tests.

    Student failures are reported in the results; only infrastructure failures raise
    (`BackendError`), and the engine turns those into verdict IE.

    Example:
        result = await backend.compile(request)
        if result.ok and result.program is not None:
            outcome = await backend.run(RunRequest(..., program=result.program, ...))
    """

    name: str

    async def compile(self, request: CompileRequest) -> CompileResult:
        """Compile (or fetch from the cache) the program described by `request`."""
        ...

    async def run(self, request: RunRequest) -> ExecutionResult:
        """Execute the program once and report how it ended."""
        ...

    async def aclose(self) -> None:
        """Release slots, temporary files and connections."""
        ...

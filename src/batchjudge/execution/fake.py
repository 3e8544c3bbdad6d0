"""FakeBackend: emulates a multi-test driver from a script, for tests and demos."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from batchjudge.domain.errors import BackendError, RemoteUnavailableError
from batchjudge.domain.reports import RemoteCall
from batchjudge.execution.backend import CompileRequest, CompileResult, Program, RunRequest
from batchjudge.execution.outcome import ExecutionResult, Termination
from batchjudge.languages.framing import (
    Frame,
    FrameStatus,
    decode_batch,
    encode_end,
    encode_frame,
)


@dataclass(frozen=True)
class FakeTest:
    """How one test goes in the fake.

    Attributes:
        output: what the test prints.
        status: the frame status the driver reports.
        kills_execution: when set, the execution dies during this test with this ending
            and no frame is written for it.
        cpu_time_s: the CPU time reported.
    """

    output: bytes = b""
    status: FrameStatus = FrameStatus.OK
    kills_execution: Termination | None = None
    cpu_time_s: float = 0.001


@dataclass
class FakeBackend:
    """A backend whose programs behave as `behave(test_input)` says.

    Attributes:
        behave: maps a test's input to how that test goes.
        compile_ok: whether every compile succeeds.
        fail_runs: raise BackendError on every run (infrastructure down).
        runs: the run requests received, in order.
        compiles: the compile requests received, in order.
        deferred: compile like Judge0 does, with the first run; a compile error then
            comes back from `run`.
        run_capacity: emulate a remote server whose maximum limits cover only this many
            tests: the execution ends there, `truncated`.
        calls: the billed requests each run reports (a remote backend's).
        unavailable: every run raises RemoteUnavailableError (a remote judge that is down
            or out of quota), asking to retry after that many seconds.
    """

    behave: Callable[[bytes], FakeTest]
    compile_ok: bool = True
    fail_runs: bool = False
    runs: list[RunRequest] = field(default_factory=list)
    compiles: list[CompileRequest] = field(default_factory=list)
    name: str = "fake"
    deferred: bool = False
    run_capacity: int | None = None
    calls: tuple[RemoteCall, ...] = ()
    unavailable: float | None = None

    async def compile(self, request: CompileRequest) -> CompileResult:
        """Succeed (or fail) at once, never cached."""
        self.compiles.append(request)
        program = Program(request.language.spec.id, f"fake{len(self.compiles)}", "fake")
        if self.deferred:
            return CompileResult(True, "", 0.0, False, program, executions=0, deferred=True)
        if not self.compile_ok:
            return CompileResult(False, "error: expected ';'", 0.01, False, None)
        return CompileResult(True, "", 0.01, False, program)

    async def run(self, request: RunRequest) -> ExecutionResult:
        """Emulate the driver over the batch in `request.stdin`."""
        self.runs.append(request)
        if self.fail_runs:
            raise BackendError("fake backend is down")
        if self.unavailable is not None:
            raise RemoteUnavailableError("fake remote judge is out of quota", self.unavailable)
        if self.deferred and not self.compile_ok:
            ended = ExecutionResult(Termination.EXITED, 1, None, 0.0, 0.1, 0, b"", b"")
            return replace(ended, compile_error="error: expected ';'", calls=self.calls)
        nonce, items = decode_batch(request.stdin)
        stdout = bytearray()
        for position, item in enumerate(items):
            if position == self.run_capacity:
                return ExecutionResult(
                    Termination.TIME_LIMIT,
                    None,
                    9,
                    1.0,
                    1.0,
                    1000,
                    bytes(stdout),
                    b"",
                    truncated=True,
                    calls=self.calls,
                )
            test = self.behave(item.input)
            if test.kills_execution is not None:
                signal = 9 if test.kills_execution is not Termination.EXITED else None
                return ExecutionResult(
                    test.kills_execution,
                    None if signal else 1,
                    signal,
                    0.1,
                    0.1,
                    1000,
                    bytes(stdout),
                    b"",
                    calls=self.calls,
                )
            frame = Frame(
                index=item.index,
                status=test.status,
                cpu_time_s=test.cpu_time_s,
                wall_time_s=test.cpu_time_s,
                memory_kb=1000,
                exit_code=0 if test.status is FrameStatus.OK else 1,
                signal=0,
                stdout=test.output,
                stderr=b"",
            )
            stdout += encode_frame(nonce, frame)
        stdout += encode_end(nonce)
        return ExecutionResult(
            Termination.EXITED, 0, None, 0.1, 0.1, 1000, bytes(stdout), b"", calls=self.calls
        )

    async def aclose(self) -> None:
        """Nothing to release."""

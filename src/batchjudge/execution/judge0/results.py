"""A finished Judge0 submission as our ExecutionResult.

The driver's exit status and stdout come back verbatim because the `run` script `exec`s
it. Judge0 still wraps the script in its own bash, so a signal often arrives as NZEC
with exit status 128+N (issue #298: an OOM kill is "Exited with error status 137").
"""

import re
import signal as signals
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from batchjudge.execution.judge0.errors import Judge0Error
from batchjudge.execution.judge0.submission_limits import SubmissionLimits
from batchjudge.execution.outcome import ExecutionResult, RemoteCall, Termination
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.judge0.wire import decode_base64

#: Fields a poll asks for: enough to build the result without another request.
RESULT_FIELDS = (
    "token,status,stdout,stderr,compile_output,message,exit_code,exit_signal,time,wall_time,memory"
)
_SIGNAL_STATUSES = {
    Judge0Status.RUNTIME_ERROR_SIGSEGV: signals.SIGSEGV,
    Judge0Status.RUNTIME_ERROR_SIGFPE: signals.SIGFPE,
    Judge0Status.RUNTIME_ERROR_SIGABRT: signals.SIGABRT,
}
_SHELL_SIGNAL_BASE = 128
_MAX_SIGNAL = 64
_EXIT_MESSAGE = re.compile(r"Exited with error status (\d+)")
_SIGNAL_MESSAGE = re.compile(r"(?:Caught fatal signal|signal) (\d+)")


class _Status(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int


class SubmissionState(BaseModel):
    """A submission as a poll or a callback reports it (text fields still base64)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    token: str | None = None
    status: _Status
    stdout: str | None = None
    stderr: str | None = None
    compile_output: str | None = None
    message: str | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    time: float | None = None
    wall_time: float | None = None
    memory: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _status_id(cls, data: Any) -> Any:
        """Accept a bare `status_id` as well as `status: {id, description}`."""
        if isinstance(data, dict) and "status" not in data and "status_id" in data:
            return {**data, "status": {"id": data["status_id"]}}
        return data

    @property
    def finished(self) -> bool:
        """Judge0 is done with it (neither In Queue nor Processing)."""
        return self.status.id not in (Judge0Status.IN_QUEUE, Judge0Status.PROCESSING)


def _text(value: str | None, name: str) -> bytes:
    if not value:
        return b""
    try:
        return decode_base64(value)
    except ValueError as exc:
        raise Judge0Error(f"Judge0 sent {name} that is not base64: {exc}") from None


def to_execution_result(
    state: SubmissionState, limits: SubmissionLimits, calls: tuple[RemoteCall, ...]
) -> ExecutionResult:
    """How the whole driver run ended, by Judge0's status.

    Raises:
        Judge0Error: Judge0 reported an internal error (13, 14) or an unknown status.
    """
    try:
        status = Judge0Status(state.status.id)
    except ValueError:
        raise Judge0Error(f"Judge0 reported an unknown status {state.status.id}", calls) from None
    message = _text(state.message, "message").decode("utf-8", "replace").strip()
    if status in (Judge0Status.INTERNAL_ERROR, Judge0Status.EXEC_FORMAT_ERROR):
        raise Judge0Error(f"Judge0 internal error ({status.description}): {message}", calls)
    if not state.finished:
        raise Judge0Error(f"Judge0 submission is still {status.description}", calls)
    if status is Judge0Status.COMPILATION_ERROR:
        output = _text(state.compile_output, "compile_output").decode("utf-8", "replace")
        return ExecutionResult(
            termination=Termination.EXITED,
            exit_code=None,
            signal=None,
            cpu_time_s=0.0,
            wall_time_s=0.0,
            peak_memory_kb=0,
            stdout=b"",
            stderr=b"",
            compile_error=output or message or "compilation failed",
            calls=calls,
        )
    termination, exit_code, signal, truncated = _ending(state, status, message, limits)
    cpu = state.time or 0.0
    return ExecutionResult(
        termination=termination,
        exit_code=exit_code,
        signal=signal,
        cpu_time_s=cpu,
        wall_time_s=state.wall_time if state.wall_time is not None else cpu,
        peak_memory_kb=round(state.memory or 0),
        stdout=_text(state.stdout, "stdout"),
        stderr=_text(state.stderr, "stderr"),
        truncated=truncated,
        calls=calls,
    )


def _ending(
    state: SubmissionState, status: Judge0Status, message: str, limits: SubmissionLimits
) -> tuple[Termination, int | None, int | None, bool]:
    """(termination, exit code, signal, truncated) for a run that was not a compile error."""
    if status is Judge0Status.TIME_LIMIT_EXCEEDED:
        return Termination.TIME_LIMIT, None, None, limits.time_clamped
    if status is Judge0Status.RUNTIME_ERROR_SIGXFSZ:
        return Termination.OUTPUT_LIMIT, None, signals.SIGXFSZ, limits.output_clamped
    if status in _SIGNAL_STATUSES:
        return Termination.SIGNALED, None, int(_SIGNAL_STATUSES[status]), False
    if status is Judge0Status.RUNTIME_ERROR_OTHER:
        number = state.exit_signal or _from_message(_SIGNAL_MESSAGE, message)
        return _signaled(number or 0, state, limits)
    if status is Judge0Status.RUNTIME_ERROR_NZEC:
        code = state.exit_code or _from_message(_EXIT_MESSAGE, message) or 1
        if _SHELL_SIGNAL_BASE < code <= _SHELL_SIGNAL_BASE + _MAX_SIGNAL:
            return _signaled(code - _SHELL_SIGNAL_BASE, state, limits)
        return Termination.EXITED, code, None, False
    return Termination.EXITED, state.exit_code or 0, None, False


def _signaled(
    number: int, state: SubmissionState, limits: SubmissionLimits
) -> tuple[Termination, int | None, int | None, bool]:
    if number == signals.SIGKILL and (state.memory or 0) >= limits.memory_limit_kb:
        return Termination.MEMORY_LIMIT, None, number, False
    if number == signals.SIGXFSZ:
        return Termination.OUTPUT_LIMIT, None, number, limits.output_clamped
    return Termination.SIGNALED, None, number or None, False


def _from_message(pattern: re.Pattern[str], message: str) -> int | None:
    found = pattern.search(message)
    return int(found.group(1)) if found else None

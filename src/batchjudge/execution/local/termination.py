"""How an execution ended, from the launcher's status line, the supervisor and the slot.

Precedence: memory limit, then time limit, then output limit, then a signal, then the
exit status.
"""

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.local.process import CapturedRun
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.slot_usage import SlotUsage
from batchjudge.execution.outcome import ExecutionResult, Termination

_SIGXCPU = 24
_SIGXFSZ = 25


def interpret(
    request: SandboxRequest,
    run: CapturedRun,
    status: str,
    usage: SlotUsage | None,
    via_bwrap: bool,
) -> ExecutionResult:
    """The ExecutionResult of one launch; a launcher or bubblewrap failure is a SandboxError."""
    kind, _, rest = status.partition("\n")[0].partition(" ")
    fields = rest.split()
    if kind == "error" or kind not in ("exited", "signaled") or len(fields) != 3:
        raise SandboxError(f"the sandbox launcher failed: {rest.strip() or 'no status'}")
    number, cpu_us, maxrss_kb = (int(f) for f in fields)
    if via_bwrap and kind == "exited" and run.stderr.startswith(b"bwrap: "):
        raise SandboxError(run.stderr.decode("utf-8", "replace").strip()[:500])
    exit_code: int | None = number if kind == "exited" else None
    signal_number: int | None = number if kind == "signaled" else None
    if via_bwrap and exit_code is not None and 128 < exit_code < 128 + 65:
        # bubblewrap reports a signalled program as 128 + the signal number.
        signal_number = exit_code - 128
        exit_code = None
    cpu = usage.cpu_time_s if usage is not None else cpu_us / 1e6
    limits = request.limits
    if usage is not None and usage.oom_killed:
        termination = Termination.MEMORY_LIMIT
    elif run.watchdog_fired or cpu > limits.cpu_time_s or signal_number == _SIGXCPU:
        termination = Termination.TIME_LIMIT
    elif run.output_exceeded or signal_number == _SIGXFSZ:
        termination = Termination.OUTPUT_LIMIT
    elif signal_number is not None:
        termination = Termination.SIGNALED
    else:
        termination = Termination.EXITED
    return ExecutionResult(
        termination=termination,
        exit_code=exit_code,
        signal=signal_number,
        cpu_time_s=cpu,
        wall_time_s=run.wall_time_s,
        peak_memory_kb=usage.peak_memory_kb if usage is not None else maxrss_kb,
        stdout=run.stdout,
        stderr=run.stderr,
    )

"""Fitting an execution's limits under a Judge0 server's maxima, remembering what was cut.

The engine asks for enough time and output for every test of a batch together. A server's
maxima may be lower (CE: 15 s CPU, 20 s wall, 4 MiB of output); the batch then runs as far
as it can and, when a clamped limit ends it, the result says `truncated` so the engine
sends the tests still missing in a follow-up execution.
"""

import math
from dataclasses import dataclass

from batchjudge.execution.judge0.discovery import ServerConfig
from batchjudge.execution.limits import ResourceLimits

#: Judge0 refuses a wall limit under 1 s and a memory limit under 2048 KB.
_MIN_WALL_S = 1.0
_MIN_MEMORY_KB = 2048


@dataclass(frozen=True)
class SubmissionLimits:
    """The Judge0 limit fields of one submission and which asked limit they cut.

    Attributes:
        fields: request attributes (`cpu_time_limit`, `memory_limit`, ...).
        memory_limit_kb: the memory limit sent, to tell an OOM kill from another SIGKILL.
        time_clamped: CPU or wall time is below what the execution asked for.
        output_clamped: `max_file_size` is below the execution's output cap.
    """

    fields: dict[str, object]
    memory_limit_kb: int
    time_clamped: bool
    output_clamped: bool


def plan_limits(limits: ResourceLimits, config: ServerConfig, stack_mb: int) -> SubmissionLimits:
    """Judge0 limits for an execution asking for `limits`, clamped to `config`'s maxima."""
    cpu = min(limits.cpu_time_s, config.max_cpu_time_limit)
    wall = max(min(limits.wall_time_s, config.max_wall_time_limit), _MIN_WALL_S)
    memory_kb = max(min(limits.memory_mb * 1024, config.max_memory_limit), _MIN_MEMORY_KB)
    output_kb = min(math.ceil(limits.output_bytes / 1024), config.max_max_file_size)
    fields: dict[str, object] = {
        "cpu_time_limit": round(cpu, 3),
        # Extra time would let a batch overrun the total the engine planned for.
        "cpu_extra_time": 0,
        "wall_time_limit": round(wall, 3),
        "memory_limit": memory_kb,
        "stack_limit": min(stack_mb * 1024, config.max_stack_limit),
        "max_processes_and_or_threads": min(
            limits.processes, config.max_max_processes_and_or_threads
        ),
        "max_file_size": output_kb,
        "enable_network": False,
        "redirect_stderr_to_stdout": False,
        "number_of_runs": 1,
    }
    return SubmissionLimits(
        fields=fields,
        memory_limit_kb=memory_kb,
        time_clamped=(
            limits.cpu_time_s > config.max_cpu_time_limit
            or limits.wall_time_s > config.max_wall_time_limit
        ),
        output_clamped=math.ceil(limits.output_bytes / 1024) > config.max_max_file_size,
    )

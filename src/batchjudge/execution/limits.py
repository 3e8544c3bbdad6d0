"""Resource limits for one sandbox execution."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceLimits:
    """Bounds applied to one execution as a whole.

    Attributes:
        cpu_time_s: CPU seconds of every process in the execution together.
        wall_time_s: real seconds from start to kill.
        memory_mb: MiB for the whole execution (memory cgroup).
        processes: simultaneous processes and threads (pids cgroup).
        output_bytes: cap on stdout and on stderr, each; also the largest file it may write.
        tmp_mb: size of the writable /tmp.
    """

    cpu_time_s: float
    wall_time_s: float
    memory_mb: int
    processes: int = 64
    output_bytes: int = 64 << 20
    tmp_mb: int = 64

    def __post_init__(self) -> None:
        if self.cpu_time_s <= 0 or self.wall_time_s <= 0:
            raise ValueError("time limits must be positive")
        if self.memory_mb <= 0 or self.processes <= 0 or self.output_bytes <= 0:
            raise ValueError("memory, process and output limits must be positive")

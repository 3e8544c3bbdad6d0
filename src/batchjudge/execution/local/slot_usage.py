"""What one execution used, as its cgroup slot counted it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SlotUsage:
    """What one execution used, read from its slot after it ended."""

    cpu_time_s: float
    peak_memory_kb: int
    oom_killed: bool

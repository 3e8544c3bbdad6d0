"""cgroup v2 slots: one directory in the unified hierarchy with every controller."""

import contextlib
from pathlib import Path

from batchjudge.execution.local.cgroup_files import (
    kill_until_empty,
    make_dir,
    read_int,
    read_key,
    remove_tree,
    write_value,
)
from batchjudge.execution.local.slot_usage import SlotUsage


class V2Slot:
    """A slot in the unified hierarchy; each execution gets a fresh leaf so that
    `memory.peak` starts from zero on kernels that cannot reset it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        make_dir(folder)
        self._leaf = folder / "run"
        self._cpu_baseline = 0
        self._oom_baseline = 0

    @property
    def procs_files(self) -> list[Path]:
        return [self._leaf / "cgroup.procs"]

    @property
    def memory_events(self) -> Path:
        return self._leaf / "memory.events"

    def prepare(self, memory_bytes: int, pids: int) -> None:
        if self._leaf.exists():
            with contextlib.suppress(OSError):
                self._leaf.rmdir()
        make_dir(self._leaf)
        write_value(self._leaf / "pids.max", str(pids))
        write_value(self._leaf / "memory.max", str(memory_bytes))
        with contextlib.suppress(OSError):
            (self._leaf / "memory.swap.max").write_text("0")
        self._cpu_baseline = read_key(self._leaf / "cpu.stat", "usage_usec")
        self._oom_baseline = read_key(self.memory_events, "oom_kill")

    def cpu_time_s(self) -> float:
        return (read_key(self._leaf / "cpu.stat", "usage_usec") - self._cpu_baseline) / 1e6

    def usage(self) -> SlotUsage:
        return SlotUsage(
            cpu_time_s=self.cpu_time_s(),
            peak_memory_kb=read_int(self._leaf / "memory.peak") // 1024,
            oom_killed=read_key(self.memory_events, "oom_kill") > self._oom_baseline,
        )

    async def kill_all(self) -> None:
        kill = self._leaf / "cgroup.kill"
        if kill.exists():
            with contextlib.suppress(OSError):
                kill.write_text("1")
        await kill_until_empty(self._leaf / "cgroup.procs")

    def remove(self) -> None:
        remove_tree(self._folder)

"""Memory of a process and everything it started, read from /proc once a second."""

import asyncio
import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def _status_kb(pid: int, key: str) -> int:
    """A `kB` line (VmRSS, VmHWM) of /proc/<pid>/status; 0 once the process is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _parents() -> dict[int, int]:
    """Every visible process's parent, by pid."""
    found = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = (PROC / entry.name / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after it.
        found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, ()))
    return tree


@dataclass
class MemorySamples:
    """Resident memory of a process tree over time, in kB."""

    root: int
    totals: list[int] = field(default_factory=list)
    #: The root process's own high-water mark (VmHWM), from the latest sample.
    root_peak_kb: int = 0

    def sample(self) -> None:
        self.totals.append(sum(_status_kb(pid, "VmRSS") for pid in process_tree(self.root)))
        self.root_peak_kb = max(self.root_peak_kb, _status_kb(self.root, "VmHWM"))

    async def every_second(self, stop: asyncio.Event) -> None:
        """Sample until `stop` is set (the /proc walk runs off the event loop)."""
        while not stop.is_set():
            await asyncio.to_thread(self.sample)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
        await asyncio.to_thread(self.sample)

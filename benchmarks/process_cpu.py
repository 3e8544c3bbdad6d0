"""CPU seconds of processes and process trees, and the machine's busy cores, read from
/proc: what a benchmark's own processes used beside what everything else did."""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from process_memory import process_tree

TICKS = os.sysconf("SC_CLK_TCK")


def _proc_ticks(pid: int) -> int:
    """utime + stime of `pid` and of its children it has reaped; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return sum(int(value) for value in fields[11:15])


def tree_ticks(root: int) -> int:
    """A process tree's CPU: a child's time moves to its parent only when it is reaped
    (and is gone from the tree then), so the sum counts nothing twice."""
    return sum(_proc_ticks(pid) for pid in process_tree(root))


def processes_named(match: str) -> list[int]:
    """Pids whose command line (as PostgreSQL retitles its backends) has `match` as a word."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                words = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if match.encode() in words.split():
                found.append(int(entry.name))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


def cores_since(before: tuple[int, int]) -> float:
    """The machine's average busy cores since `before` (from `machine_ticks`)."""
    busy, total = machine_ticks()
    return (busy - before[0]) / max(1, total - before[1]) * (os.cpu_count() or 1)


@dataclass
class CpuMeter:
    """CPU seconds spent during a phase by named process trees and by our database's
    backends (sampled twice a second: one that ends is counted up to its last sample),
    and the machine's busy cores."""

    roots: dict[str, int]
    database: str
    _start: dict[str, int] = field(default_factory=dict)
    _backends: dict[int, tuple[int, int]] = field(default_factory=dict)
    _machine: tuple[int, int] = (0, 0)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample_backends(self, baseline: bool = False) -> None:
        for pid in processes_named(self.database):
            now = _proc_ticks(pid)
            # A backend first seen after the baseline was born in the phase: all its time counts.
            first = self._backends[pid][0] if pid in self._backends else (now if baseline else 0)
            self._backends[pid] = (first, now)

    def _every_half_second(self) -> None:
        while not self._stop.wait(0.5):
            self._sample_backends()

    def start(self) -> None:
        self._start = {name: tree_ticks(pid) for name, pid in self.roots.items()}
        self._sample_backends(baseline=True)
        self._machine = machine_ticks()
        threading.Thread(target=self._every_half_second, daemon=True).start()

    def stop(self) -> tuple[dict[str, float], float]:
        """Seconds by name, and the machine's average busy cores, since `start`."""
        cores = cores_since(self._machine)
        used = {name: tree_ticks(pid) - self._start[name] for name, pid in self.roots.items()}
        self._stop.set()
        self._sample_backends()
        used["PostgreSQL (our db)"] = sum(now - first for first, now in self._backends.values())
        return {name: ticks / TICKS for name, ticks in used.items()}, cores

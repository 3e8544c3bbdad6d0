"""Per-slot cgroups: pids, memory and CPU accounting for one execution at a time.

cgroup v1 (this machine) keeps one directory per controller; v2 keeps one directory with
every controller. Slots live under the service's own cgroup of each controller, in a
folder named after the owning process, so two batchjudge processes never share a slot.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.local.cgroup_files import make_dir, own_cgroup, remove_tree, write_value
from batchjudge.execution.local.cgroup_v1 import V1Slot
from batchjudge.execution.local.cgroup_v2 import V2Slot
from batchjudge.execution.local.slot_usage import SlotUsage

CGROUP_ROOT = Path("/sys/fs/cgroup")
_V1_CONTROLLERS = ("pids", "memory", "cpuacct")


class CgroupSlot(Protocol):
    """One execution's cgroups, reused execution after execution."""

    @property
    def procs_files(self) -> list[Path]:
        """The `cgroup.procs` files a process writes its pid to, to join the slot."""
        ...

    @property
    def memory_events(self) -> Path:
        """The file whose `oom_kill N` line counts OOM kills in the slot."""
        ...

    def prepare(self, memory_bytes: int, pids: int) -> None:
        """Set the limits and zero the counters for the next execution."""
        ...

    def cpu_time_s(self) -> float:
        """CPU seconds used since `prepare`."""
        ...

    def usage(self) -> SlotUsage:
        """CPU, peak memory and OOM kills since `prepare`."""
        ...

    async def kill_all(self) -> None:
        """SIGKILL every process in the slot and wait until it is empty."""
        ...

    def remove(self) -> None:
        """Delete the slot's directories (it must be empty)."""
        ...


@dataclass(frozen=True)
class CgroupLayout:
    """Where this process may create slots, and which cgroup version it uses."""

    version: int
    bases: dict[str, Path]

    def slot(self, owner: str, index: int) -> CgroupSlot:
        """The slot `index` of the sandbox instance named `owner`."""
        if self.version == 1:
            return V1Slot({c: base / owner / f"slot{index}" for c, base in self.bases.items()})
        return V2Slot(self.bases["unified"] / owner / f"slot{index}")

    def owners(self) -> list[Path]:
        """Every instance folder under the first base (to clean up dead owners)."""
        base = next(iter(self.bases.values()))
        return [p for p in base.iterdir() if p.is_dir()] if base.is_dir() else []

    def remove_owner(self, owner: str) -> None:
        """Delete an instance's folders in every hierarchy (they must be empty)."""
        for base in self.bases.values():
            remove_tree(base / owner)


def detect_layout(root: Path = CGROUP_ROOT) -> tuple[CgroupLayout | None, str]:
    """The usable cgroup layout, or None and the reason there is none."""
    if (root / "cgroup.controllers").exists():
        own = root / own_cgroup("").lstrip("/")
        available = set((own / "cgroup.controllers").read_text().split())
        missing = {"pids", "memory", "cpu"} - available
        if missing:
            return None, f"cgroup v2 without the {', '.join(sorted(missing))} controller(s)"
        base = own / "batchjudge"
        try:
            make_dir(base)
            write_value(base / "cgroup.subtree_control", "+pids +memory +cpu")
        except SandboxError as error:
            return None, f"cgroup v2 is not delegated to this process ({error})"
        return CgroupLayout(2, {"unified": base}), "cgroup v2"
    bases: dict[str, Path] = {}
    for controller in _V1_CONTROLLERS:
        mount = root / controller
        if not mount.is_dir():
            return None, f"cgroup v1 controller {controller} is not mounted"
        own = mount / own_cgroup(controller).lstrip("/")
        bases[controller] = own / "batchjudge"
        if not os.access(own, os.W_OK):
            return None, f"{own} is not writable (run as root)"
    return CgroupLayout(1, bases), "cgroup v1 (pids, memory, cpuacct)"

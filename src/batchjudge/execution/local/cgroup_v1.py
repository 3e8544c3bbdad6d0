"""cgroup v1 slots: one directory per controller (pids, memory, cpuacct)."""

import contextlib
import errno
from pathlib import Path

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.local.cgroup_files import (
    kill_until_empty,
    make_dir,
    read_int,
    read_key,
    write_value,
)
from batchjudge.execution.local.slot_usage import SlotUsage


class V1Slot:
    """A slot over cgroup v1's pids, memory and cpuacct hierarchies."""

    def __init__(self, dirs: dict[str, Path]) -> None:
        self._dirs = dirs
        for folder in dirs.values():
            make_dir(folder)
        memory = dirs["memory"]
        self._memsw = (memory / "memory.memsw.limit_in_bytes").exists()
        self._oom_baseline = 0

    @property
    def procs_files(self) -> list[Path]:
        return [folder / "cgroup.procs" for folder in self._dirs.values()]

    @property
    def memory_events(self) -> Path:
        return self._dirs["memory"] / "memory.oom_control"

    def prepare(self, memory_bytes: int, pids: int) -> None:
        write_value(self._dirs["pids"] / "pids.max", str(pids))
        self._set_memory(memory_bytes)
        write_value(self._dirs["memory"] / "memory.max_usage_in_bytes", "0")
        write_value(self._dirs["cpuacct"] / "cpuacct.usage", "0")
        self._oom_baseline = read_key(self.memory_events, "oom_kill")

    def _set_memory(self, limit: int) -> None:
        memory = self._dirs["memory"]
        plain = memory / "memory.limit_in_bytes"
        if not self._memsw:
            self._write_limit(plain, limit)
            return
        # memsw must stay >= the plain limit at every moment, so the order depends on the
        # direction of the change.
        swap = memory / "memory.memsw.limit_in_bytes"
        if limit > read_int(swap):
            self._write_limit(swap, limit)
            self._write_limit(plain, limit)
        else:
            self._write_limit(plain, limit)
            self._write_limit(swap, limit)

    def _write_limit(self, path: Path, limit: int) -> None:
        try:
            path.write_text(str(limit))
        except OSError as error:
            if error.errno != errno.EBUSY:
                raise SandboxError(f"cannot set {path}: {error}") from error
            # Page cache from the previous execution is still charged; drop it and retry.
            with contextlib.suppress(OSError):
                (self._dirs["memory"] / "memory.force_empty").write_text("0")
            write_value(path, str(limit))

    def cpu_time_s(self) -> float:
        return read_int(self._dirs["cpuacct"] / "cpuacct.usage") / 1e9

    def usage(self) -> SlotUsage:
        memory = self._dirs["memory"]
        return SlotUsage(
            cpu_time_s=self.cpu_time_s(),
            peak_memory_kb=read_int(memory / "memory.max_usage_in_bytes") // 1024,
            oom_killed=read_key(self.memory_events, "oom_kill") > self._oom_baseline,
        )

    async def kill_all(self) -> None:
        await kill_until_empty(self._dirs["pids"] / "cgroup.procs")
        for procs in self.procs_files:
            await kill_until_empty(procs)

    def remove(self) -> None:
        for folder in self._dirs.values():
            with contextlib.suppress(OSError):
                folder.rmdir()

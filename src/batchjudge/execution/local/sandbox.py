"""LocalSandbox: bubblewrap + seccomp + rlimits + a cgroup slot per execution, supervised.

Each execution takes a free slot k, which owns a host uid (`uid_base + k`) and a set of
cgroups. The launcher (launcher.c) joins the slot's cgroups, lowers the rlimits, drops to
the slot's uid and execs bubblewrap; the supervisor (`process.run_supervised`) owns wall
time, group CPU time, output caps and the kill, and the slot is only handed to the next
execution once its cgroups are empty.
"""

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.local.bwrap import bwrap_argv
from batchjudge.execution.local.cgroups import CgroupSlot
from batchjudge.execution.local.direct import direct_argv
from batchjudge.execution.local.launcher import ensure_launcher
from batchjudge.execution.local.process import run_supervised
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.seccomp_filter import write_filter
from batchjudge.execution.local.strength import SandboxStrength, probe_strength
from batchjudge.execution.local.termination import interpret
from batchjudge.execution.outcome import ExecutionResult

_log = logging.getLogger(__name__)

#: Processes the sandbox itself adds inside a slot (bubblewrap's outer and init processes).
_OWN_PROCESSES = 4
_STACK_BYTES = 256 << 20


@dataclass(frozen=True)
class SandboxConfig:
    """Where the sandbox keeps its state and how many executions may run at once."""

    state_dir: Path
    slots: int = 2
    uid_base: int = 61000
    allow_reduced: bool = True


@dataclass(frozen=True)
class _Slot:
    index: int
    uid: int
    cgroup: CgroupSlot | None


def _owner_alive(name: str) -> bool:
    pid = name.removeprefix("bj-").split("-")[0]
    if not pid.isdigit():
        return True
    return Path(f"/proc/{pid}").exists()


def _chown_tree(top: Path, uid: int) -> None:
    os.chown(top, uid, uid)
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


#: Mode bits a sandboxed program may set but the host must not keep on what it takes back:
#: a setuid/setgid file or folder, or one other host users could write to.
_UNSAFE_MODE_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH


def _reclaim_tree(top: Path) -> None:
    """Hand a folder a sandbox wrote back to us, without the mode bits it may have planted.

    Symbolic links are never followed (lchown; links themselves keep their mode), so a link
    planted towards a host file changes nothing outside `top`. Every process of the
    execution is gone by now, so nothing can swap an entry between the check and the use.
    """
    uid = os.geteuid()
    _chown_tree(top, uid)
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & _UNSAFE_MODE_BITS:
                os.chmod(path, stat.S_IMODE(mode) & ~_UNSAFE_MODE_BITS)


class LocalSandbox:
    """The embedded sandbox. Create it, call `execute` any number of times, then `aclose`."""

    def __init__(self, config: SandboxConfig, strength: SandboxStrength | None = None) -> None:
        """`strength` overrides the probe (to force a reduced mode); None probes the host."""
        self._config = config
        self._state = config.state_dir
        self._strength = strength
        self._launcher: Path | None = None
        self._seccomp: Path | None = None
        self._seccomp_error = ""
        self._free: asyncio.Queue[_Slot] | None = None
        self._slots: list[_Slot] = []
        self._owner = f"bj-{os.getpid()}-{id(self):x}"
        self._start_lock = asyncio.Lock()

    def strength(self) -> SandboxStrength:
        """The isolation this host allows (probed once)."""
        if self._seccomp is None and (self._strength is None or self._strength.seccomp):
            try:
                self._seccomp = write_filter(self._state / "seccomp.bpf")
            except SandboxError as error:
                self._seccomp_error = str(error)
        if self._strength is None:
            self._strength = probe_strength(self._seccomp is not None, self._seccomp_error)
        return self._strength

    async def _start(self) -> asyncio.Queue[_Slot]:
        async with self._start_lock:
            if self._free is not None:
                return self._free
            self._state.mkdir(parents=True, exist_ok=True)
            self._state.chmod(0o755)
            strength = await asyncio.to_thread(self.strength)
            if not strength.full:
                if not self._config.allow_reduced:
                    raise SandboxError(
                        "full isolation is not available and reduced mode is off: "
                        + "; ".join(strength.gaps)
                    )
                _log.warning("sandbox runs with reduced isolation: %s", "; ".join(strength.gaps))
            self._launcher = await asyncio.to_thread(ensure_launcher, self._state)
            layout = strength.cgroups
            if layout is not None:
                for stale in layout.owners():
                    if not _owner_alive(stale.name):
                        layout.remove_owner(stale.name)
            free: asyncio.Queue[_Slot] = asyncio.Queue()
            for index in range(self._config.slots):
                uid = self._config.uid_base + index if strength.uid_drop else -1
                cgroup = layout.slot(self._owner, index) if layout is not None else None
                slot = _Slot(index, uid, cgroup)
                self._slots.append(slot)
                free.put_nowait(slot)
            self._free = free
            return free

    async def execute(self, request: SandboxRequest) -> ExecutionResult:
        """Run `request` in a free slot and report how it ended."""
        free = await self._start()
        slot = await free.get()
        reusable = True
        try:
            return await self._execute_in(slot, request)
        finally:
            if slot.cgroup is not None:
                try:
                    await slot.cgroup.kill_all()
                except SandboxError:
                    _log.exception("slot %d could not be emptied; it is retired", slot.index)
                    reusable = False
            if reusable:
                free.put_nowait(slot)

    async def _execute_in(self, slot: _Slot, request: SandboxRequest) -> ExecutionResult:
        strength = self.strength()
        limits = request.limits
        if slot.cgroup is not None:
            memory = limits.memory_mb << 20
            await asyncio.to_thread(slot.cgroup.prepare, memory, limits.processes + _OWN_PROCESSES)
        if request.box_writable and slot.uid >= 0:
            await asyncio.to_thread(_chown_tree, request.box, slot.uid)
        if request.work is not None and slot.uid >= 0:
            await asyncio.to_thread(_chown_tree, request.work, slot.uid)
        with contextlib.ExitStack() as stack:
            stdin_fd = self._stdin_fd(request.stdin, stack)
            status_read, status_write = os.pipe()
            stack.callback(os.close, status_read)
            write_end = [status_write]

            def close_write_end() -> None:
                if write_end:
                    os.close(write_end.pop())

            stack.callback(close_write_end)
            pass_fds = [status_write]
            seccomp_fd = None
            if strength.seccomp and self._seccomp is not None and strength.bwrap is not None:
                seccomp_fd = os.open(self._seccomp, os.O_RDONLY | os.O_CLOEXEC)
                stack.callback(os.close, seccomp_fd)
                pass_fds.append(seccomp_fd)
            tmp_dir = None
            if strength.bwrap is None:
                tmp_dir = Path(tempfile.mkdtemp(prefix="tmp-", dir=self._state))
                stack.callback(shutil.rmtree, tmp_dir, True)
                if slot.uid >= 0:
                    os.chown(tmp_dir, slot.uid, slot.uid)
            inner = self._inner_argv(request, slot, seccomp_fd, tmp_dir)
            argv = self._launcher_argv(slot, request, status_write, inner)
            launcher = [0]

            async def kill_tree() -> None:
                if launcher[0]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(launcher[0], signal.SIGUSR1)
                if slot.cgroup is not None:
                    await slot.cgroup.kill_all()

            def watchdog(elapsed: float) -> bool:
                if elapsed > limits.wall_time_s:
                    return True
                return slot.cgroup is not None and slot.cgroup.cpu_time_s() > limits.cpu_time_s

            run = await run_supervised(
                argv,
                stdin_fd=stdin_fd,
                pass_fds=pass_fds,
                env={},
                output_cap=limits.output_bytes,
                kill_tree=kill_tree,
                watchdog=watchdog,
                poll_s=min(0.05, limits.wall_time_s / 4),
                on_spawn=lambda pid: launcher.__setitem__(0, pid),
            )
            close_write_end()
            status = os.read(status_read, 4096).decode("ascii", "replace")
            usage = await asyncio.to_thread(slot.cgroup.usage) if slot.cgroup is not None else None
            if slot.uid >= 0:
                # Hand written folders back to us, so no sandbox uid owns anything on the host.
                for written in (request.box if request.box_writable else None, request.work):
                    if written is not None:
                        await asyncio.to_thread(_reclaim_tree, written)
        return interpret(request, run, status, usage, strength.bwrap is not None)

    def _stdin_fd(self, data: bytes, stack: contextlib.ExitStack) -> int:
        # A real file rather than a pipe: the program may seek or mmap it, and a large
        # input never blocks the supervisor. The program gets a read-only descriptor: one
        # opened for writing would let it grow a file on the host's disk, outside every
        # tmpfs size cap (issue 7, sandbox attack suite).
        try:
            writer, path = tempfile.mkstemp(dir=self._state, prefix="stdin-")
            try:
                with os.fdopen(writer, "wb") as out:
                    out.write(data)
                reader = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            finally:
                os.unlink(path)
        except OSError as error:  # e.g. the state folder's disk is full
            raise SandboxError(f"cannot store the input: {error.strerror or error}") from error
        stack.callback(os.close, reader)
        return reader

    def _inner_argv(
        self,
        request: SandboxRequest,
        slot: _Slot,
        seccomp_fd: int | None,
        tmp_dir: Path | None,
    ) -> list[str]:
        strength = self.strength()
        events = slot.cgroup.memory_events if slot.cgroup is not None else None
        if strength.bwrap is not None:
            return bwrap_argv(
                strength.bwrap,
                request,
                seccomp_fd,
                events if request.expose_memory_events else None,
            )
        assert tmp_dir is not None
        return direct_argv(request, tmp_dir, events if request.expose_memory_events else None)

    def _launcher_argv(
        self, slot: _Slot, request: SandboxRequest, status_fd: int, inner: list[str]
    ) -> list[str]:
        assert self._launcher is not None
        limits = request.limits
        cpu_soft = max(1, int(limits.cpu_time_s + 0.999))
        procs = [str(p) for p in slot.cgroup.procs_files] if slot.cgroup is not None else []
        return [
            str(self._launcher),
            str(status_fd),
            str(slot.uid),
            str(slot.uid),
            str(limits.processes * 4 + 64),
            str(cpu_soft),
            str(cpu_soft + 1),
            str(limits.output_bytes),
            str(_STACK_BYTES),
            *procs,
            "--",
            *inner,
        ]

    async def aclose(self) -> None:
        """Empty and remove every slot's cgroups."""
        strength = self._strength
        for slot in self._slots:
            if slot.cgroup is not None:
                with contextlib.suppress(SandboxError):
                    await slot.cgroup.kill_all()
                slot.cgroup.remove()
        if strength is not None and strength.cgroups is not None and self._slots:
            strength.cgroups.remove_owner(self._owner)
        self._slots.clear()
        self._free = None

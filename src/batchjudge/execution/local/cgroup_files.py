"""Reading and writing cgroup control files, and emptying a cgroup."""

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

from batchjudge.domain.errors import SandboxError

_TEARDOWN_TIMEOUT_S = 10.0


def write_value(path: Path, value: str) -> None:
    """Write a control file; failure is a SandboxError naming it."""
    try:
        path.write_text(value)
    except OSError as error:
        raise SandboxError(f"cannot write {value.strip()!r} to {path}: {error}") from error


def read_int(path: Path) -> int:
    """The first number in a control file, or 0 when it cannot be read."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def read_key(path: Path, key: str) -> int:
    """The value of the `key N` line of a control file, or 0."""
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


def _pids(procs_file: Path) -> list[int]:
    try:
        return [int(p) for p in procs_file.read_text().split()]
    except (OSError, ValueError):
        return []


async def kill_until_empty(procs_file: Path) -> None:
    """SIGKILL every process listed in `procs_file` until none is left."""
    # Teardown is asynchronous (about a second for a 64-process bomb), and a process may
    # fork between the read and the kill, so keep killing until the list stays empty.
    deadline = time.monotonic() + _TEARDOWN_TIMEOUT_S
    delay = 0.001
    while pids := _pids(procs_file):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            raise SandboxError(f"processes {pids[:5]} survive in {procs_file.parent}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


def own_cgroup(controller: str) -> str:
    """This process's cgroup path in `controller`'s hierarchy ('' for v2)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    raise SandboxError(f"this process is in no {controller or 'v2'} cgroup")


def make_dir(path: Path) -> None:
    """Create a cgroup directory (and its parents)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SandboxError(f"cannot create cgroup {path}: {error}") from error


def remove_tree(top: Path, timeout_s: float = 5.0) -> None:
    """Kill whatever still runs in a cgroup tree, then remove it, deepest first.

    Used for slots a dead batchjudge process left behind; another process may be cleaning
    the same tree at the same moment, so anything that vanishes meanwhile is fine.
    """
    deadline = time.monotonic() + timeout_s
    while top.is_dir():
        # cgroup directories are removed with rmdir; their files are not real files.
        for folder, _, files in os.walk(top, topdown=False, onerror=lambda _error: None):
            if "cgroup.procs" in files:
                for pid in _pids(Path(folder) / "cgroup.procs"):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        if time.monotonic() > deadline:
            return
        if top.is_dir():
            time.sleep(0.02)

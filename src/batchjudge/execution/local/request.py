"""What the local sandbox is asked to run."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from batchjudge.execution.limits import ResourceLimits


@dataclass(frozen=True)
class SandboxRequest:
    """One process tree to run inside the sandbox.

    Attributes:
        argv: the command; relative paths resolve against `cwd` inside the box.
        box: host directory mounted at /box (read-only unless `box_writable`).
        limits: bounds for the whole execution.
        box_writable: mount /box read-write (compile and prepare steps).
        stdin: bytes fed on fd 0 (from a file, so the process may seek it).
        ro_binds: (host path, path inside) pairs mounted read-only besides /usr.
        work: optional host directory mounted read-write at /work.
        env: extra environment variables; PATH, HOME and LANG are always set.
        cwd: working directory inside the box.
        expose_memory_events: bind the slot's memory cgroup events file read-only and set
            BJ_MEMORY_EVENTS to its path inside.
    """

    argv: Sequence[str]
    box: Path
    limits: ResourceLimits
    box_writable: bool = False
    stdin: bytes = b""
    ro_binds: Sequence[tuple[Path, str]] = ()
    work: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str = "/box"
    expose_memory_events: bool = False

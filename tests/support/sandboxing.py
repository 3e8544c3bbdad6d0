"""What the real-sandbox tests share: a box of compiled attack programs, a sandbox on its own
uids, one-call executions and a look for processes left behind."""

import asyncio
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.sandbox import LocalSandbox, SandboxConfig
from batchjudge.execution.outcome import ExecutionResult


def reachable_folder(prefix: str) -> Path:
    """A fresh folder under /var/tmp the sandbox uids can traverse (pytest's tmp dirs are
    0700 and root's)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    folder.chmod(0o755)
    return folder


def remove_folder(folder: Path) -> None:
    """Remove a folder whatever the sandbox left in it (files of other uids, mode 000)."""
    subprocess.run(["rm", "-rf", str(folder)], check=True)


@contextmanager
def compiled_programs(
    sources: Mapping[str, str], gcc_flags: tuple[str, ...] = ()
) -> Iterator[Path]:
    """A world-readable box holding every C program of `sources` (name -> source), compiled
    on the host as `<name>`."""
    box = reachable_folder("bj-sandbox-test-")
    try:
        for name, source in sources.items():
            (box / f"{name}.c").write_text(source)
            subprocess.run(
                ["gcc", "-O1", "-o", str(box / name), str(box / f"{name}.c"), *gcc_flags],
                check=True,
            )
        yield box
    finally:
        remove_folder(box)


@contextmanager
def full_sandbox(uid_base: int, slots: int = 2) -> Iterator[LocalSandbox]:
    """A LocalSandbox on uids `uid_base`.. of its own; fails the test unless every isolation
    layer is in force here."""
    state = reachable_folder("bj-sandbox-state-")
    box = LocalSandbox(SandboxConfig(state_dir=state, slots=slots, uid_base=uid_base))
    try:
        if not box.strength().full:
            pytest.fail("the sandbox tests need full isolation here:\n" + box.strength().describe())
        yield box
    finally:
        asyncio.run(box.aclose())
        remove_folder(state)


def run(
    sandbox: LocalSandbox,
    box: Path,
    *argv: str,
    limits: ResourceLimits,
    stdin: bytes = b"",
    box_writable: bool = False,
) -> ExecutionResult:
    """Run `argv` once in `box` (mounted at /box) and wait for the result."""
    request = SandboxRequest(
        argv=list(argv), box=box, limits=limits, stdin=stdin, box_writable=box_writable
    )
    return asyncio.run(sandbox.execute(request))


def processes_of(uid: int) -> list[str]:
    """The pids of every host process whose real uid is `uid`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) == uid:
                found.append(status.parent.name)
    return found

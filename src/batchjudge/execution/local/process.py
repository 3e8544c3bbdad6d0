"""The only place that starts host processes: supervised sandbox launches and plain tool runs."""

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from batchjudge.domain.errors import SandboxError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class CapturedRun:
    """How a supervised process ended and what it wrote.

    Attributes:
        stdout: at most the cap's worth of stdout.
        stderr: at most the cap's worth of stderr.
        output_exceeded: stdout or stderr went over the cap and the tree was killed.
        watchdog_fired: the watchdog asked for the kill (time limit).
        wall_time_s: seconds from spawn to the launcher's exit.
    """

    stdout: bytes
    stderr: bytes
    output_exceeded: bool
    watchdog_fired: bool
    wall_time_s: float


@dataclass(frozen=True)
class PlainRun:
    """A plain (unsandboxed) tool run: exit status and output."""

    returncode: int
    stdout: bytes
    stderr: bytes


class _Capture:
    """Reads one pipe up to `cap` bytes; past the cap it keeps draining but stores nothing."""

    def __init__(self, cap: int, on_exceeded: Callable[[], None]) -> None:
        self.data = bytearray()
        self.exceeded = False
        self._cap = cap
        self._on_exceeded = on_exceeded

    async def pump(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(_CHUNK):
            room = self._cap - len(self.data)
            if len(chunk) > room:
                self.data += chunk[: max(room, 0)]
                if not self.exceeded:
                    self.exceeded = True
                    self._on_exceeded()
            else:
                self.data += chunk


async def run_supervised(
    argv: Sequence[str],
    *,
    stdin_fd: int,
    pass_fds: Sequence[int],
    env: Mapping[str, str],
    output_cap: int,
    kill_tree: Callable[[], Awaitable[None]],
    watchdog: Callable[[float], bool],
    poll_s: float,
    on_spawn: Callable[[int], None] = lambda _pid: None,
) -> CapturedRun:
    """Run `argv` with stdout and stderr captured up to `output_cap` each.

    `on_spawn(pid)` learns the launcher's pid as soon as it exists. A launcher that cannot
    be started at all (an argv over the kernel's limits) raises SandboxError.
    `watchdog(elapsed_s)` is called every `poll_s` while the process runs; when it returns
    True, or an output goes over the cap, `kill_tree()` ends the process tree. The call
    returns once the launcher has exited and both pipes are closed.
    """
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=stdin_fd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=tuple(pass_fds),
            env=dict(env),
            start_new_session=True,
        )
    except OSError as error:
        # E2BIG from a command line or environment too large to exec (issue 7's attack
        # suite), or the host out of processes: an infrastructure failure, never a verdict.
        raise SandboxError(f"cannot start the sandbox: {error.strerror or error}") from error
    on_spawn(process.pid)
    killing: list[asyncio.Task[None]] = []

    def kill_once() -> None:
        if not killing:
            killing.append(asyncio.ensure_future(kill_tree()))

    assert process.stdout is not None
    assert process.stderr is not None
    out = _Capture(output_cap, kill_once)
    err = _Capture(output_cap, kill_once)
    finished = asyncio.gather(out.pump(process.stdout), err.pump(process.stderr), process.wait())
    fired = False
    try:
        while True:
            done, _ = await asyncio.wait({finished}, timeout=poll_s)
            if done:
                finished.result()
                break
            if not fired and watchdog(time.monotonic() - started):
                fired = True
                kill_once()
    except BaseException:
        kill_once()
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    finally:
        if killing:
            await killing[0]
    return CapturedRun(
        stdout=bytes(out.data),
        stderr=bytes(err.data),
        output_exceeded=out.exceeded or err.exceeded,
        watchdog_fired=fired,
        wall_time_s=time.monotonic() - started,
    )


def run_plain(
    argv: Sequence[str], timeout_s: float, env: Mapping[str, str] | None = None
) -> PlainRun:
    """Run a trusted host tool (compiler for the launcher, probes) and wait for it."""
    try:
        completed = subprocess.run(
            list(argv),
            capture_output=True,
            timeout=timeout_s,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return PlainRun(returncode=-1, stdout=b"", stderr=str(error).encode())
    return PlainRun(completed.returncode, completed.stdout, completed.stderr)

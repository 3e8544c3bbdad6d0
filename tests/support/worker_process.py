"""`batchjudge worker` as a real process, started with the settings of a ServiceProcess
plus its own data dir, and stopped the way systemd stops it (SIGTERM)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO


class WorkerProcess:
    """A `batchjudge worker` process; `start` returns once it said it is ready."""

    def __init__(self, env: dict[str, str], data: Path, *options: str) -> None:
        self.env = {**env, "BATCHJUDGE_DATA_DIR": str(data)}
        self.options = options
        self.process: subprocess.Popen[str] | None = None
        self.lines: list[str] = []

    def start(self, timeout_s: float = 120) -> str:
        """Start it; returns its `ready` line (after its self-tests)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "batchjudge", "worker", *self.options],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self._line(self.process.stdout)
            if line is None:
                break
            if " ready: " in line:
                return line
        raise AssertionError(f"the worker did not start: {self.lines}")

    def _line(self, stream: IO[str] | None) -> str | None:
        assert stream is not None
        line = stream.readline()
        if not line:
            return None
        self.lines.append(line.rstrip("\n"))
        return self.lines[-1]

    def terminate(self, timeout_s: float = 60) -> int:
        """SIGTERM; wait for the exit and its last lines; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout_s)
        while self._line(self.process.stdout) is not None:
            pass
        self._close()
        return code

    def _close(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def kill(self) -> None:
        """SIGKILL: no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close()

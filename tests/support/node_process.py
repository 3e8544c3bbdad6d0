"""A `batchjudge` process (an API replica or a worker) on a stand-in host, in a process
group of its own, with its output kept in a log file and its stdout lines to wait on."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from support.netns_hosts import Host


class NodeProcess:
    """`python -m batchjudge <argv>` run on `host` with exactly `env`."""

    def __init__(self, host: Host, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.host = host
        self.log = log
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            host.command(sys.executable, "-m", "batchjudge", *argv),
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self._log_file.write(raw)
            self._log_file.flush()
            with self._seen:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def wait_for_line(self, starts_with: str, timeout_s: float) -> str:
        """The first stdout line starting with `starts_with`, waiting for it."""
        deadline = time.monotonic() + timeout_s
        with self._seen:
            while True:
                found = [line for line in self.lines if line.startswith(starts_with)]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"no line {starts_with!r} from {self.describe()}:\n{self.output()}"
                    )
                self._seen.wait(min(left, 0.5))

    def wait_for_http(self, url: str, token: str, timeout_s: float) -> None:
        """Until `GET url` with the token answers 200."""
        deadline = time.monotonic() + timeout_s
        headers = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(url, headers=headers, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.describe()} did not answer {url}:\n{self.output()}")

    def is_batchjudge(self, command: str) -> bool:
        """Whether the pid is the `batchjudge <command>` process itself (nsenter execs)."""
        argv = Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")
        return b"batchjudge" in argv and command.encode() in argv

    def signal(self, number: signal.Signals) -> None:
        os.kill(self.pid, number)

    def stop(self, timeout_s: float = 30) -> int:
        """SIGTERM, then SIGKILL if it outstays `timeout_s`; then SIGKILL to what is left
        of its process group. The exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Whatever the process left behind in its group (it may have died by kill -9).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self._reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log_file.close()
        return self.process.returncode

    def describe(self) -> str:
        return f"{' '.join(self.process.args[-4:])} on host {self.host.name}"  # type: ignore[index]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

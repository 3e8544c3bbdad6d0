"""`batchjudge serve` as a real process on a free port, with a data dir of its own."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_data_dir(prefix: str) -> Path:
    """A data dir the sandbox uids can traverse (pytest's tmp dirs are 0700)."""
    data = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    data.chmod(0o755)
    return data


def token_of(output: str) -> str:
    """The API token `batchjudge users create` printed last on its line."""
    return output.strip().rsplit(" ", 1)[-1]


class ServiceProcess:
    """A `batchjudge serve` process; `env` adds BATCHJUDGE_* settings of its own."""

    def __init__(self, data: Path, database_url: str, **env: str) -> None:
        self.data = data
        self.port = free_port()
        self.env = {
            "PATH": "/usr/bin:/bin",
            "BATCHJUDGE_DATA_DIR": str(data),
            "BATCHJUDGE_DATABASE_URL": database_url,
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (data / "server.log").open("ab")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def judge0_endpoint(self) -> str:
        return self.url + "/judge0"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "batchjudge", *args],
            capture_output=True,
            text=True,
            input=stdin,
            env=self.env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, token: str, *options: str) -> None:
        """Start `serve` with `options` (`--no-workers`), and wait until it answers."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "batchjudge", "serve", "--port", str(self.port), *options],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with self.client(token) as client:
                    if client.get("/api/v1/me").status_code == 200:
                        return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not start: " + (self.data / "server.log").read_text())

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

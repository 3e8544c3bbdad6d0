"""The service as a real process: `batchjudge serve`, killed with SIGKILL mid-way through a
burst of submissions and started again, finishes every one exactly once."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from batchjudge.problems.archive import zip_folder

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Service:
    """A `batchjudge serve` process on a data dir of its own."""

    def __init__(self, data: Path, database_url: str) -> None:
        self.data = data
        self.port = _free_port()
        self.env = {
            "PATH": "/usr/bin:/bin",
            "BATCHJUDGE_DATA_DIR": str(data),
            "BATCHJUDGE_DATABASE_URL": database_url,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (data / "server.log").open("ab")

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "batchjudge", *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, token: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "batchjudge", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
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
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    """A server on SQLite (the embedded default) or PostgreSQL."""
    data = Path(tempfile.mkdtemp(prefix="bj-service-", dir="/var/tmp"))
    data.chmod(0o755)
    running = Service(data, database_url)
    yield running
    running.stop()
    subprocess.run(["rm", "-rf", str(data)], check=False)


def _token(output: str) -> str:
    return output.strip().rsplit(" ", 1)[-1]


def test_kill_9_mid_burst_loses_and_doubles_nothing(service: Service):
    service.cli("db", "upgrade")
    teacher = _token(service.cli("users", "create", "teacher", "--role", "teacher"))
    student = _token(service.cli("users", "create", "student"))
    service.start(student)
    with service.client(teacher) as client:
        files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
        problem_id = client.post("/api/v1/problems", files=files).json()["id"]
    source = (EXAMPLE / "submissions" / "main.py").read_text()
    with service.client(student) as client:
        ids = [
            client.post(
                "/api/v1/submissions",
                json={"problem_id": problem_id, "language": "python3", "source": source},
            ).json()["id"]
            for _ in range(20)
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            statuses = [s["status"] for s in client.get("/api/v1/submissions").json()]
            if statuses.count("done") >= 3:
                break
            time.sleep(0.05)
    service.kill()  # mid-burst: some done, some running, most queued
    assert statuses.count("done") < 20, "the burst finished before the kill"
    service.start(student)
    with service.client(student) as client:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            listed = client.get("/api/v1/submissions", params={"limit": 50}).json()
            if all(s["status"] == "done" for s in listed) and len(listed) == 20:
                break
            time.sleep(0.2)
        for submission_id in ids:
            body = client.get(f"/api/v1/submissions/{submission_id}").json()
            assert body["status"] == "done", (body, (service.data / "server.log").read_text())
            assert body["verdict"] == "AC", body
            assert [t["name"] for t in body["tests"]][:2] == ["sample/1", "sample/2"]
            assert len(body["tests"]) == 40
            assert body["executions"] == 1
    assert "re-queued" in (service.data / "server.log").read_text()

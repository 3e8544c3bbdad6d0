"""The service as a real process: `batchjudge serve`, killed with SIGKILL mid-way through a
burst of submissions and started again, finishes every one exactly once."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchjudge.problems.archive import zip_folder
from support.service_process import ServiceProcess, new_data_dir, token_of

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"


@pytest.fixture
def service(database_url: str) -> Iterator[ServiceProcess]:
    """A server on SQLite (the embedded default) or PostgreSQL."""
    data = new_data_dir("bj-service-")
    running = ServiceProcess(data, database_url)
    yield running
    running.stop()
    subprocess.run(["rm", "-rf", str(data)], check=False)


def test_kill_9_mid_burst_loses_and_doubles_nothing(service: ServiceProcess):
    service.cli("db", "upgrade")
    teacher = token_of(service.cli("users", "create", "teacher", "--role", "teacher"))
    student = token_of(service.cli("users", "create", "student"))
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

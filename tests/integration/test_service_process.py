"""The service as a real process: `batchjudge serve`, killed with SIGKILL mid-way through a
burst of submissions and started again, finishes every one exactly once. The grading
workers are threads of that process, so this is also `kill -9` of every worker
mid-grading. (The other faults are in test_faults.py.)"""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchjudge.problems.archive import zip_folder
from support.grading_rows import assert_graded_once
from support.service_process import ServiceProcess, new_data_dir, token_of

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"
#: Right, and about 1.5 s of wall time per submission (40 tests): long enough to be
#: caught running.
SOURCE = "import time\ntime.sleep(0.03)\n" + (EXAMPLE / "submissions" / "main.py").read_text()


@pytest.fixture
def service(database_url: str) -> Iterator[ServiceProcess]:
    """A server on SQLite (the embedded default) or PostgreSQL."""
    data = new_data_dir("bj-service-")
    # The burst is more than a student may submit in a minute.
    running = ServiceProcess(data, database_url, BATCHJUDGE_RATE_LIMIT_SUBMISSIONS="1000/minute")
    running.database_url = database_url
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
    with service.client(student) as client:
        answers = [
            client.post(
                "/api/v1/submissions",
                json={"problem_id": problem_id, "language": "python3", "source": SOURCE},
            )
            for _ in range(20)
        ]
        assert {a.status_code for a in answers} == {202}, answers[-1].text
        ids = [a.json()["id"] for a in answers]
        deadline = time.monotonic() + 120
        done: list[dict] = []
        running: list[int] = []
        while time.monotonic() < deadline and not (len(done) >= 3 and running):
            done = client.get("/api/v1/submissions", params={"status": "done"}).json()
            # Asked last and alone, so the kill comes right after it.
            listed = client.get("/api/v1/submissions", params={"status": "running"}).json()
            running = [s["id"] for s in listed]
    service.kill()  # mid-burst: some done, some running, most queued
    assert len(done) < 20, "the burst finished before the kill"
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
    service.stop()
    # Row by row: one result per test position and one run per submission. What was
    # running at the kill was graded again from the start (attempt 2; one of them may
    # have ended just before the kill); the rest once.
    attempts = assert_graded_once(service.database_url, ids, tests=40)
    assert any(attempts[i] == 2 for i in running), (running, attempts)
    assert set(attempts.values()) <= {1, 2}, attempts

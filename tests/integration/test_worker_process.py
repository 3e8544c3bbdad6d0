"""`batchjudge worker` processes beside an API-only `serve --no-workers`, on PostgreSQL
and Redis: a worker grades only the languages whose self-tests pass here, shows in
health and /judge0/workers, and on SIGTERM finishes its job within the grace period or
hands it back for another worker."""

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from cryptography.fernet import Fernet

from batchjudge.problems.archive import zip_folder
from support.grading_rows import assert_graded_once
from support.service_process import ServiceProcess, new_data_dir, token_of
from support.worker_process import WorkerProcess

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    # Several processes share one database: PostgreSQL, as in a real deployment.
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"
PYTHON = REPO / "src" / "batchjudge" / "languages" / "builtin" / "python3"
#: Right, and about 1.5 s of wall time (40 tests): long enough to be caught running.
SLOW = "import time\ntime.sleep(0.03)\n" + (EXAMPLE / "submissions" / "main.py").read_text()
REDIS_URL = "redis://127.0.0.1:6379/0"


class Site:
    """An API replica and what its workers share with it."""

    def __init__(self, api: ServiceProcess, teacher: str, problem_id: int) -> None:
        self.api = api
        self.teacher = teacher
        self.problem_id = problem_id
        self.worker_dirs: list[Path] = []
        self.workers: list[WorkerProcess] = []

    def worker(self, *options: str, **env: str) -> WorkerProcess:
        data = new_data_dir("bj-worker-")
        self.worker_dirs.append(data)
        worker = WorkerProcess({**self.api.env, **env}, data, "--slots", "1", *options)
        self.workers.append(worker)
        return worker

    def client(self) -> httpx.Client:
        return self.api.client(self.teacher)

    def submit(self, source: str, language: str = "python3") -> int:
        with self.client() as client:
            answer = client.post(
                "/api/v1/submissions",
                json={"problem_id": self.problem_id, "language": language, "source": source},
            )
        assert answer.status_code == 202, answer.text
        return int(answer.json()["id"])

    def status(self, submission_id: int) -> dict:
        with self.client() as client:
            return client.get(f"/api/v1/submissions/{submission_id}").json()

    def wait_for(self, submission_id: int, status: str, timeout_s: float = 120) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            body = self.status(submission_id)
            if body["status"] == status:
                return body
            time.sleep(0.1)
        raise AssertionError(f"submission {submission_id} never became {status}: {body}")


def _broken_python(root: Path) -> Path:
    """A language folder like Python 3 whose interpreter this machine lacks."""
    folder = root / "python3_missing"
    shutil.copytree(PYTHON, folder)
    spec = (folder / "language.toml").read_text()
    spec = spec.replace('id = "python3"', 'id = "python3_missing"')
    spec = spec.replace("/usr/bin/python3", "/usr/bin/python3-not-installed")
    spec = spec.replace("judge0_id = 71", "judge0_id = 7171")
    (folder / "language.toml").write_text(spec)
    return root


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    queue_name = f"bj-test-{uuid.uuid4().hex[:12]}"
    data = new_data_dir("bj-api-")
    languages = _broken_python(new_data_dir("bj-languages-"))
    api = ServiceProcess(
        data,
        database_url,
        BATCHJUDGE_QUEUE_URL=REDIS_URL,
        BATCHJUDGE_QUEUE_NAME=queue_name,
        BATCHJUDGE_BLOB_DIR=str(data / "shared-blobs"),
        BATCHJUDGE_MASTER_KEY=Fernet.generate_key().decode(),
        BATCHJUDGE_EXTRA_LANGUAGE_DIRS=json.dumps([str(languages)]),
        BATCHJUDGE_WORKER_HEARTBEAT_S="0.5",
    )
    api.database_url = database_url
    api.cli("db", "upgrade")
    teacher = token_of(api.cli("users", "create", "teacher", "--role", "teacher"))
    api.start(teacher, "--no-workers")
    with api.client(teacher) as client:
        files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
        problem_id = client.post("/api/v1/problems", files=files).json()["id"]
    running = Site(api, teacher, problem_id)
    try:
        yield running
    finally:
        for worker in running.workers:
            worker.kill()  # a test that failed half-way; the others have exited
        api.stop()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"huey.*{queue_name}*"))
        if keys:
            client.delete(*keys)
        client.close()
        for folder in [data, languages, *running.worker_dirs]:
            subprocess.run(["rm", "-rf", str(folder)], check=False)


def _workers_check(site: Site) -> dict:
    with site.client() as client:
        return client.get("/api/v1/monitoring/health").json()["checks"]["workers"]


def test_a_worker_grades_what_its_self_tests_prove_and_leaves_the_rest(site: Site):
    assert _workers_check(site)["value"] == 0  # API only: nothing grades yet
    worker = site.worker("--name", "w1")
    ready = worker.start()
    assert ready == "worker w1 ready: c, cpp17, java, javascript, python3; 1 slots"
    assert "language python3_missing: unavailable (" in "\n".join(worker.lines)
    try:
        stuck = site.submit(SLOW, "python3_missing")
        graded = site.submit(SLOW)
        body = site.wait_for(graded, "done")
        assert (body["verdict"], len(body["tests"])) == ("AC", 40)
        assert site.status(stuck)["status"] == "queued"  # no worker can run it
        check = _workers_check(site)
        assert check["status"] == "degraded"
        assert check["detail"].startswith("no live worker grades python3_missing; 1 alive: w1 (")
        with site.client() as client:
            answer = client.get("/judge0/workers", headers={"X-Auth-Token": site.teacher})
            [entry] = answer.json()
        assert (entry["queue"], entry["available"], entry["size"]) == ("w1", 1, 1)
    finally:
        assert worker.terminate() == 0
    assert worker.lines[-1] == "worker w1 stopped"
    # Gone once health's one-second cache expires, not after the 15 s timeout.
    deadline = time.monotonic() + 3
    while _workers_check(site)["value"] != 0:
        assert time.monotonic() < deadline, "the stopped worker is still listed"
        time.sleep(0.2)


def test_sigterm_lets_the_job_in_flight_finish(site: Site):
    worker = site.worker("--name", "patient")
    worker.start()
    submission_id = site.submit(SLOW)
    site.wait_for(submission_id, "running")
    assert worker.terminate() == 0
    assert worker.lines[-1] == "worker patient stopped"
    assert assert_graded_once(site.api.database_url, [submission_id], tests=40) == {
        submission_id: 1
    }


def test_sigterm_past_the_grace_hands_the_job_to_another_worker(site: Site):
    hasty = site.worker("--name", "hasty", BATCHJUDGE_WORKER_SHUTDOWN_GRACE_S="0")
    hasty.start()
    submission_id = site.submit(SLOW)
    site.wait_for(submission_id, "running")
    assert hasty.terminate() == 0
    assert hasty.lines[-1] == "worker hasty stopped, unfinished jobs handed back"
    assert site.status(submission_id)["status"] == "queued"
    other = site.worker("--name", "other")
    other.start()
    try:
        site.wait_for(submission_id, "done")
    finally:
        assert other.terminate() == 0
    attempts = assert_graded_once(site.api.database_url, [submission_id], tests=40)
    assert attempts == {submission_id: 2}

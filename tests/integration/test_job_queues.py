"""The per-language job queues on SQLite and on Redis: each job reaches only a consumer
of its language, delayed jobs run when due, and a slot never runs two jobs at once."""

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from batchjudge.service.job_queues import JobQueues
from batchjudge.service.queue import GradingQueue
from batchjudge.service.slot_consumer import SlotConsumer
from batchjudge.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["sqlite", "redis"])
def queues(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobQueues]:
    name = f"bj-test-{uuid.uuid4().hex[:12]}"
    url = REDIS_URL if request.param == "redis" else None
    opened = JobQueues(Settings(queue_url=url, queue_name=name), tmp_path)
    yield opened
    opened.close()
    if url is not None:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"huey.*{name}*"))
        if keys:
            client.delete(*keys)
        client.close()


class Recorder:
    """Records the jobs it runs, and the most it ran at once."""

    def __init__(self, hold_s: float = 0.0) -> None:
        self.ran: list[tuple[int, int | None, str]] = []
        self.at_once = 0
        self._running = 0
        self._hold_s = hold_s
        self._lock = threading.Lock()

    def __call__(self, submission_id: int, resume: int | None, language: str) -> None:
        with self._lock:
            self._running += 1
            self.at_once = max(self.at_once, self._running)
        time.sleep(self._hold_s)
        with self._lock:
            self._running -= 1
            self.ran.append((submission_id, resume, language))


def _until(condition: object, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_job_reaches_only_a_consumer_of_its_language(queues: JobQueues):
    python_jobs, cpp_jobs = Recorder(), Recorder()
    sender = GradingQueue(queues)  # an API replica: it only queues
    python_side = GradingQueue(queues, python_jobs).consumer(["python3"], 1)
    python_side.start()
    try:
        sender.enqueue(1, "cpp17")
        sender.enqueue(2, "python3")
        _until(lambda: python_jobs.ran)
        time.sleep(0.5)  # time enough for a wrong delivery to show
        assert python_jobs.ran == [(2, None, "python3")]
        assert sender.idle("python3")
        assert not sender.idle("cpp17")  # waits for a consumer of its language
        cpp_side = GradingQueue(queues, cpp_jobs).consumer(["cpp17", "python3"], 1)
        cpp_side.start()
        try:
            _until(lambda: cpp_jobs.ran)
            assert cpp_jobs.ran == [(1, None, "cpp17")]
        finally:
            assert cpp_side.stop(5)
    finally:
        assert python_side.stop(5)


def test_a_delayed_job_runs_when_due_and_carries_its_resume(queues: JobQueues):
    jobs = Recorder()
    queue = GradingQueue(queues, jobs)
    consumer = queue.consumer(["c"], 1)
    consumer.start()
    try:
        queued_at = time.monotonic()
        queue.enqueue_later(7, "c", 1.0, resume=3)
        assert not queue.idle("c")  # scheduled counts as waiting
        _until(lambda: jobs.ran)
        assert time.monotonic() - queued_at >= 1.0
        assert jobs.ran == [(7, 3, "c")]
    finally:
        assert consumer.stop(5)


def test_slots_bound_the_jobs_run_at_once(queues: JobQueues):
    jobs = Recorder(hold_s=0.2)
    queue = GradingQueue(queues, jobs)
    for submission_id in range(6):
        queue.enqueue(submission_id, "python3" if submission_id % 2 else "c")
    consumer = queue.consumer(["c", "python3"], 2)
    consumer.start()
    try:
        _until(lambda: len(jobs.ran) == 6)
    finally:
        assert consumer.stop(5)
    assert sorted(job[0] for job in jobs.ran) == list(range(6))
    assert jobs.at_once == 2


def test_stop_waits_for_the_running_job_within_the_grace(queues: JobQueues):
    jobs = Recorder(hold_s=1.0)
    queue = GradingQueue(queues, jobs)
    queue.enqueue(1, "c")
    consumer = queue.consumer(["c"], 1)
    consumer.start()
    _until(lambda: consumer.busy() == 1)
    assert not consumer.stop(0.1)  # still running after a short grace
    assert consumer.stop(5)
    assert jobs.ran == [(1, None, "c")]


class _Unreadable:
    """A queue whose storage is gone (its data dir was removed, Redis is down)."""

    def dequeue(self) -> None:
        raise OSError("unable to open database file")

    def read_schedule(self) -> list[object]:
        raise OSError("unable to open database file")


def test_an_unreadable_queue_is_reported_once_not_every_poll(caplog: pytest.LogCaptureFixture):
    consumer = SlotConsumer([_Unreadable()], 2)  # type: ignore[list-item]
    with caplog.at_level(logging.WARNING, logger="batchjudge.service.slot_consumer"):
        consumer.start()
        time.sleep(1.5)  # a dozen polls and schedule reads fail meanwhile
        assert consumer.stop(5)
    records = [r for r in caplog.records if r.name == "batchjudge.service.slot_consumer"]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is not None  # the first one carries the traceback


def test_an_unreachable_queue_leaves_the_stored_submission_to_the_sweep(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """The row is committed before the enqueue: a Redis outage must not turn an accepted
    submission into an error answer (the sweep queues lost jobs again)."""
    down = JobQueues(Settings(queue_url="redis://127.0.0.1:1/0"), tmp_path)
    try:
        queue = GradingQueue(down)
        with caplog.at_level(logging.WARNING, logger="batchjudge.service.queue"):
            queue.enqueue(5, "c")
            queue.enqueue_judge0("a-token", "c")
    finally:
        down.close()
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "cannot queue submission 5 now",
        "cannot queue Judge0 submission a-token now",
    ]

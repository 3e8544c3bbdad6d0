"""The alert queue (real Huey over SQLite, real consumer threads): evaluations repeat and
never overlap, survive failures, restart as one chain, and deliveries retry until done."""

import threading
import time
from pathlib import Path

from huey import SqliteHuey

from batchjudge.monitoring.alerting import Delivery
from batchjudge.service.alert_queue import AlertQueue


class Evaluations:
    """An `evaluate` that takes a while, counts overlaps, and fails when told to."""

    def __init__(self, takes_s: float = 0.0, deliveries: list[Delivery] | None = None) -> None:
        self.takes_s = takes_s
        self.deliveries = deliveries or []
        self.starts: list[float] = []
        self.running = 0
        self.most_at_once = 0
        self.fail = False
        self._lock = threading.Lock()

    def __call__(self) -> list[Delivery]:
        with self._lock:
            self.starts.append(time.monotonic())
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.takes_s)
        with self._lock:
            self.running -= 1
        if self.fail:
            raise RuntimeError("the database is gone")
        deliveries, self.deliveries = self.deliveries, []
        return deliveries


def _no_delivery(_delivery: Delivery, _attempt: int) -> float | None:
    raise AssertionError("nothing to deliver")


def _wait_until(condition, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_evaluations_repeat_never_overlap_and_survive_a_failure(tmp_path: Path):
    evaluations = Evaluations(takes_s=0.3)
    queue = AlertQueue(tmp_path / "alerts.sqlite3", 0.2, evaluations, _no_delivery)
    queue.start()
    try:
        _wait_until(lambda: len(evaluations.starts) >= 2)
        evaluations.fail = True
        _wait_until(lambda: len(evaluations.starts) >= 4)
        evaluations.fail = False
        _wait_until(lambda: len(evaluations.starts) >= 5)
    finally:
        queue.stop()
    assert evaluations.most_at_once == 1


def test_a_restart_continues_with_one_chain_of_evaluations(tmp_path: Path):
    path = tmp_path / "alerts.sqlite3"
    first = Evaluations()
    queue = AlertQueue(path, 1.0, first, _no_delivery)
    queue.start()
    _wait_until(lambda: len(first.starts) >= 1)
    time.sleep(0.2)
    queue.stop()  # its next run stays scheduled in the file
    inspect = SqliteHuey(name="batchjudge-alerts", filename=str(path))
    assert inspect.scheduled_count() + inspect.pending_count() == 1

    second = Evaluations()
    again = AlertQueue(path, 1.0, second, _no_delivery)
    again.start()
    try:
        _wait_until(lambda: len(second.starts) >= 4)
        waiting = [inspect.scheduled_count() + inspect.pending_count() for _ in range(5)]
    finally:
        again.stop()
    # The old chain's run was dropped: one run a second, never two close together.
    gaps = [b - a for a, b in zip(second.starts, second.starts[1:], strict=False)]
    assert min(gaps) > 0.5, gaps
    assert max(waiting) <= 1, waiting


def test_a_failed_delivery_is_retried_after_the_delay_it_asks_for(tmp_path: Path):
    delivery = Delivery("http://receiver.test/hook", 7, "firing")
    attempts: list[tuple[Delivery, int]] = []

    def deliver(what: Delivery, attempt: int) -> float | None:
        attempts.append((what, attempt))
        return 0.1 if attempt < 2 else None

    queue = AlertQueue(tmp_path / "alerts.sqlite3", 60, Evaluations(deliveries=[delivery]), deliver)
    queue.start()
    try:
        _wait_until(lambda: len(attempts) >= 3)
        time.sleep(1.5)  # a fourth attempt would be due by now
    finally:
        queue.stop()
    assert attempts == [(delivery, 0), (delivery, 1), (delivery, 2)]

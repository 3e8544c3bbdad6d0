"""The SQLite job queue gives back the file descriptors of every thread that used it:
those of ended threads when the next thread connects, and all of them on close (before
this, each app started in a test run kept ~50 descriptors until the process died)."""

import os
import threading
from pathlib import Path

from batchjudge.service.sqlite_queue_storage import close_sqlite_queue, open_sqlite_queue


def _descriptors_on(path: Path) -> int:
    """How many of this process's file descriptors are open on `path` or its WAL files."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            count += 1
    return count


def _use_in_thread(huey, value: int) -> None:
    def use() -> None:
        huey.storage.enqueue(str(value).encode())

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()


def test_ended_threads_connections_are_closed_by_the_next_to_connect(tmp_path: Path):
    path = tmp_path / "queue.sqlite3"
    huey = open_sqlite_queue("jobs", str(path))
    try:
        for value in range(20):
            _use_in_thread(huey, value)
        # One connection stays (the file, its WAL and its shared memory), plus one
        # descriptor SQLite keeps for reuse; Huey's own storage kept 41 here.
        assert _descriptors_on(path) <= 4
        assert huey.storage.queue_size() == 20
    finally:
        close_sqlite_queue(huey)


def test_close_releases_every_threads_descriptors_and_keeps_the_jobs(tmp_path: Path):
    path = tmp_path / "queue.sqlite3"
    huey = open_sqlite_queue("jobs", str(path))
    started, release = threading.Barrier(4), threading.Event()

    def hold() -> None:
        huey.storage.enqueue(b"job")
        started.wait()
        release.wait()

    holders = [threading.Thread(target=hold) for _ in range(3)]
    for holder in holders:
        holder.start()
    started.wait()
    huey.storage.queue_size()  # the calling thread's connection too
    assert _descriptors_on(path) >= 4
    close_sqlite_queue(huey)
    assert _descriptors_on(path) == 0
    release.set()
    for holder in holders:
        holder.join()

    reopened = open_sqlite_queue("jobs", str(path))
    try:
        assert reopened.storage.queue_size() == 3
    finally:
        close_sqlite_queue(reopened)

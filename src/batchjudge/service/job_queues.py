"""Where grading jobs wait: one Huey queue per language, in a SQLite file (one machine)
or in Redis (API replicas and workers on several machines, `queue_url`).

A queue per language routes each job to a process that can run it: a worker consumes
only the queues of the languages its self-tests passed.
"""

from pathlib import Path

from huey import Huey, RedisHuey
from redis import ConnectionPool

from batchjudge.service.sqlite_queue_storage import close_sqlite_queue, open_sqlite_queue
from batchjudge.settings import Settings


class JobQueues:
    """Opens the Huey queue of each language, all on one storage (and one Redis pool)."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self._prefix = settings.queue_name
        self._url = settings.queue_url
        self._file = data_dir / "queue.sqlite3"
        self._pool = None if self._url is None else ConnectionPool.from_url(self._url)
        self._opened: list[Huey] = []

    @property
    def shared(self) -> bool:
        """Whether processes on other machines can reach the queues (Redis)."""
        return self._url is not None

    def open(self, language: str) -> Huey:
        """The queue of `language`'s jobs."""
        name = f"{self._prefix}-{language}"
        if self._pool is None:
            opened = open_sqlite_queue(name, str(self._file))
            self._opened.append(opened)
            return opened
        # Not blocking: a worker polls several queues in turn (service.slot_consumer).
        return RedisHuey(name=name, results=False, blocking=False, connection_pool=self._pool)

    def close(self) -> None:
        """Close the Redis connections, or every thread's SQLite connections."""
        if self._pool is not None:
            self._pool.disconnect()
        for opened in self._opened:
            close_sqlite_queue(opened)

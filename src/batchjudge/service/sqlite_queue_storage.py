"""Huey's SQLite storage with every connection closed, not left to the garbage collector.

Huey opens one SQLite connection per thread that touches a queue: slot threads, Huey's
own consumer threads, and the short-lived threads that answer requests. A connection
dropped with its thread does not give its file descriptor back: SQLite keeps the
descriptors of a file open while any other connection of the process holds a lock on
it (closing one would drop the other's POSIX locks), so a long-running server, or a
test run starting hundreds of apps, runs out of descriptors. Here the connections of
ended threads are closed whenever a new one opens, and `close_all` closes the rest.
"""

import sqlite3
import threading
from typing import Any

from huey import Huey
from huey.storage import SqliteStorage


class ClosingSqliteStorage(SqliteStorage):  # type: ignore[misc]
    """SqliteStorage that keeps track of the connection of each thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._opened_lock = threading.Lock()
        # A thread's connection is closed by another thread (`close_all`, or the next
        # thread to connect once its owner has ended), never used by one.
        super().__init__(*args, check_same_thread=False, **kwargs)

    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        with self._opened_lock:
            ended = [conn for thread, conn in self._opened if not thread.is_alive()]
            self._opened = [(t, conn) for t, conn in self._opened if t.is_alive()]
            self._opened.append((threading.current_thread(), connection))
        for conn in ended:
            conn.close()
        return connection

    def close_all(self) -> None:
        """Close every thread's connection. A thread that uses the queue afterwards gets
        an error, so its users are stopped first."""
        self.close()
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for _, conn in opened:
            conn.close()


def open_sqlite_queue(name: str, filename: str) -> Huey:
    """A Huey queue `name` in the SQLite file `filename` (no result store); release it
    with `close_sqlite_queue`."""
    return Huey(name=name, results=False, storage_class=ClosingSqliteStorage, filename=filename)


def close_sqlite_queue(huey: Huey) -> None:
    """Close the connections a queue from `open_sqlite_queue` holds in every thread."""
    storage = huey.storage
    if isinstance(storage, ClosingSqliteStorage):
        storage.close_all()

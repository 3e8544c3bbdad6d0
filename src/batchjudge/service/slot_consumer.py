"""Runs jobs from several Huey queues on a fixed number of threads, one job per sandbox
slot.

Huey's own consumer reads one queue; a worker serves the queues of every language it
supports with one set of slots, so that a slot is never idle while any of its queues
has work and never runs two jobs at once. Huey still does the rest: task execution,
retries, and the schedule of delayed jobs.
"""

import itertools
import logging
import threading
import time
from collections.abc import Sequence

from huey import Huey

_log = logging.getLogger(__name__)

#: An idle slot polls its queues after this long, doubling up to `_IDLE_MAX_S`.
_IDLE_MIN_S = 0.05
_IDLE_MAX_S = 0.5
#: How often delayed jobs whose time has come are moved to their queues.
_SCHEDULE_EVERY_S = 0.5
#: A queue that stays unreadable is reported at most this often.
_COMPLAIN_EVERY_S = 30.0


class SlotConsumer:
    """`slots` threads taking jobs from `queues` in turn, plus one moving due scheduled
    jobs into their queues."""

    def __init__(self, queues: Sequence[Huey], slots: int, name: str = "slot") -> None:
        self._queues = list(queues)
        self._slots = slots
        self._name = name
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._turns = itertools.count()
        self._busy = 0
        self._lock = threading.Lock()
        self._complained_at: float | None = None

    def busy(self) -> int:
        """Jobs running now."""
        with self._lock:
            return self._busy

    def start(self) -> None:
        """Start the threads."""
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._run_slot, name=f"{self._name}-{index}", daemon=True)
            for index in range(self._slots)
        ]
        self._threads.append(
            threading.Thread(target=self._run_schedule, name=f"{self._name}-schedule", daemon=True)
        )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float | None = None) -> bool:
        """Take no new job and wait (at most `timeout_s`) for the running ones; True when
        every thread has ended."""
        self._stopping.set()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0.0))
        return not any(thread.is_alive() for thread in self._threads)

    def _complain(self, what: str, exc: Exception) -> None:
        """Log a queue failure: with its traceback the first time, then one line at most
        every `_COMPLAIN_EVERY_S`, so a queue that stays down does not flood the log."""
        now = time.monotonic()
        with self._lock:
            first = self._complained_at is None
            if not first and now - (self._complained_at or 0.0) < _COMPLAIN_EVERY_S:
                return
            self._complained_at = now
        if first:
            _log.exception("%s; trying again", what)
        else:
            _log.warning("%s (%s: %s); still trying", what, type(exc).__name__, exc)

    def _next(self) -> tuple[Huey, object] | None:
        start = next(self._turns) % len(self._queues)
        for queue in self._queues[start:] + self._queues[:start]:
            task = queue.dequeue()
            if task is not None:
                return queue, task
        return None

    def _run_slot(self) -> None:
        idle = _IDLE_MIN_S
        while not self._stopping.is_set():
            try:
                found = self._next()
            except Exception as exc:
                self._complain("cannot read the job queue", exc)
                found = None
                idle = _IDLE_MAX_S
            if found is None:
                self._stopping.wait(idle)
                idle = min(idle * 2, _IDLE_MAX_S)
                continue
            idle = _IDLE_MIN_S
            queue, task = found
            with self._lock:
                self._busy += 1
            try:
                queue.execute(task)
            except Exception:
                _log.exception("job %s failed outside its task", task)
            finally:
                with self._lock:
                    self._busy -= 1

    def _run_schedule(self) -> None:
        while not self._stopping.wait(_SCHEDULE_EVERY_S):
            for queue in self._queues:
                try:
                    for task in queue.read_schedule():
                        queue.enqueue(task)
                except Exception as exc:
                    self._complain("cannot read the job schedule", exc)

"""The durable grading queues: a Huey queue per language (service.job_queues), consumed
by slot threads inside the server or in `batchjudge worker` processes.

The submissions table is the outbox: a submission is committed as `queued` before the
job is enqueued, and a grading process starting up enqueues every queued submission
again, so a crash between the commit and the enqueue loses nothing. A job delivered
twice does nothing the second time (see services.grading_jobs), and the jobs of a
process that died are found by the others' sweeps (services.orphaned_jobs).
"""

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any

from huey import Huey
from redis import RedisError

from batchjudge.service.job_queues import JobQueues
from batchjudge.service.slot_consumer import SlotConsumer

_log = logging.getLogger(__name__)

#: What the queue's storage raises when it is down (Redis) or unwritable (SQLite).
_QUEUE_DOWN = (RedisError, sqlite3.Error, OSError)

#: Grades submission `id`, resuming attempt `resume` (None: a fresh claim); `language`
#: is the queue it came from, where a retry goes back.
SubmissionJob = Callable[[int, int | None, str], None]
#: Grades the Judge0 API submission `token`.
Judge0Job = Callable[[str], None]


class _LanguageQueue:
    """One language's Huey queue and the two kinds of job it carries."""

    def __init__(
        self, huey: Huey, language: str, job: SubmissionJob | None, judge0_job: Judge0Job | None
    ) -> None:
        self.huey = huey

        # `resume` is the attempt a database outage cut short (services.grading_jobs).
        def grade_submission_job(submission_id: int, resume: int | None = None) -> None:
            if job is None:
                _log.error("no grading here for submission %d", submission_id)
                return
            job(submission_id, resume, language)

        def grade_judge0_submission_job(token: str) -> None:
            if judge0_job is None:
                # Left In Queue: the next sweep queues it again.
                _log.error("no worker for Judge0 submission %s", token)
                return
            judge0_job(token)

        self.task: Any = huey.task(retries=2, retry_delay=1)(grade_submission_job)
        self.judge0_task: Any = huey.task(retries=2, retry_delay=1)(grade_judge0_submission_job)


class GradingQueue:
    """Enqueue submission ids and Judge0 tokens on their language's queue; a consumer
    (`consumer`) runs `job(submission_id, resume, language)` or `judge0_job(token)` for
    each. A process that only accepts submissions gives no jobs."""

    def __init__(
        self,
        queues: JobQueues,
        job: SubmissionJob | None = None,
        judge0_job: Judge0Job | None = None,
        languages: Sequence[str] = (),
    ) -> None:
        """`languages` are the queues `pending` counts (others are opened when used)."""
        self._queues = queues
        self._languages = tuple(languages)
        self._job = job
        self._judge0_job = judge0_job
        self._open: dict[str, _LanguageQueue] = {}
        self._lock = threading.Lock()

    def _queue(self, language: str) -> _LanguageQueue:
        with self._lock:
            found = self._open.get(language)
            if found is None:
                huey = self._queues.open(language)
                found = _LanguageQueue(huey, language, self._job, self._judge0_job)
                self._open[language] = found
            return found

    def enqueue(self, submission_id: int, language: str) -> None:
        """Queue grading of `submission_id` (durably) where `language` is graded. The
        row is already stored as queued: when the queue cannot be reached, the job is
        left to the grading processes' sweep for lost jobs, and the caller's answer
        stands."""
        try:
            self._queue(language).task(submission_id)
        except _QUEUE_DOWN as exc:
            _log.warning("cannot queue submission %d now (%s); the sweep will", submission_id, exc)

    def enqueue_later(
        self, submission_id: int, language: str, delay_s: float, resume: int | None = None
    ) -> None:
        """Queue grading of `submission_id` to start in `delay_s` seconds (durably); the
        job takes back attempt `resume` when the submission is still at it."""
        self._queue(language).task.schedule(args=(submission_id, resume), delay=delay_s)

    def enqueue_judge0(self, token: str, language: str) -> None:
        """Queue grading of the Judge0 API submission `token` (durably); as `enqueue`,
        an unreachable queue leaves it to the sweep."""
        try:
            self._queue(language).judge0_task(token)
        except _QUEUE_DOWN as exc:
            _log.warning("cannot queue Judge0 submission %s now (%s); the sweep will", token, exc)

    def pending(self) -> int:
        """Jobs waiting for a worker, in every known language's queue."""
        for language in self._languages:
            self._queue(language)
        with self._lock:
            opened = list(self._open.values())
        return sum(int(queue.huey.pending_count()) for queue in opened)

    def idle(self, language: str) -> bool:
        """Whether `language`'s queue holds no job, waiting or scheduled."""
        huey = self._queue(language).huey
        return int(huey.pending_count()) == 0 and int(huey.scheduled_count()) == 0

    def consumer(self, languages: Sequence[str], slots: int) -> SlotConsumer:
        """A consumer of `languages`' queues on `slots` threads (started by the caller)."""
        return SlotConsumer([self._queue(language).huey for language in languages], slots)

    def close(self) -> None:
        """Release the queues' connections."""
        self._queues.close()

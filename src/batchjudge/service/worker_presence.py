"""A grading process's life in the `workers` table: it registers, beats every
`worker_heartbeat_s`, and on each beat sweeps for work no process will finish (the jobs
of dead processes, and queued submissions whose job was lost) and queues it again."""

import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.service.queue import GradingQueue
from batchjudge.services.orphaned_jobs import (
    Requeue,
    hand_back,
    only_idle,
    queued_work,
    reclaim_from_dead,
)
from batchjudge.services.worker_registry import (
    WorkerIdentity,
    heartbeat,
    mark_stopped,
    register,
)
from batchjudge.settings import Settings

_log = logging.getLogger(__name__)


class WorkerPresence:
    """Registers `identity`, keeps its heartbeat, and sweeps; `busy` tells the jobs it
    holds, `judge0_language` the queue of a Judge0 language id."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        identity: WorkerIdentity,
        queue: GradingQueue,
        judge0_language: Callable[[int], str],
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self.identity = identity
        self._queue = queue
        self._judge0_language = judge0_language
        self._busy: Callable[[], int] = lambda: 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, languages: Sequence[str], slots: int, busy: Callable[[], int]) -> None:
        """Register, queue again what dead processes left and every queued submission
        (a crash may have lost its job; a job delivered twice does nothing), then beat."""
        self._busy = busy
        # Dead processes first: a restarted server may reuse its predecessor's uids.
        self._reclaim()
        with self._sessions.begin() as session:
            register(
                session,
                self.identity,
                languages,
                slots,
                self._settings.sandbox_uid_base,
                self._timeout_s,
            )
        self._enqueue(queued_work(self._sessions))
        self._stopping.clear()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._thread.start()

    @property
    def _timeout_s(self) -> float:
        return self._settings.worker_timeout_s

    def _beat(self) -> None:
        while not self._stopping.wait(self._settings.worker_heartbeat_s):
            try:
                with self._sessions.begin() as session:
                    heartbeat(session, self.identity.id, self._busy())
                self.sweep()
            except Exception:
                _log.exception("heartbeat failed; trying again")

    def sweep(self) -> Requeue:
        """Queue again the jobs of dead processes, and queued submissions waiting longer
        than `worker_timeout_s` whose queue is empty (their job was lost)."""
        reclaimed = self._reclaim()
        waiting = queued_work(self._sessions, older_than_s=self._timeout_s)
        lost = only_idle(waiting, self._queue.idle, self._judge0_language)
        if lost:
            _log.warning("re-queued %d submissions whose job was lost", len(lost.submissions))
        self._enqueue(lost)
        return Requeue(reclaimed.submissions + lost.submissions, reclaimed.judge0 + lost.judge0)

    def _reclaim(self) -> Requeue:
        reclaimed = reclaim_from_dead(self._sessions, self._timeout_s, self.identity)
        if reclaimed:
            _log.warning(
                "re-queued %d submissions and %d Judge0 API submissions that stopped or "
                "dead grading processes held",
                len(reclaimed.submissions),
                len(reclaimed.judge0),
            )
        self._enqueue(reclaimed)
        return reclaimed

    def _enqueue(self, work: Requeue) -> None:
        for submission_id, language in work.submissions:
            self._queue.enqueue(submission_id, language)
        for token, language_id in work.judge0:
            try:
                self._queue.enqueue_judge0(token, self._judge0_language(language_id))
            except Exception:
                _log.exception("cannot queue Judge0 API submission %s again", token)

    def hand_back(self) -> Requeue:
        """Queue again every job this process holds (it stops without finishing them)."""
        with self._sessions.begin() as session:
            mine = hand_back(session, [self.identity.id])
        self._enqueue(mine)
        return mine

    def stop(self) -> None:
        """Stop beating and record the stop."""
        self._stopping.set()
        if self._thread is not None:
            # A beat stuck on an unreachable database must not hold up the stop.
            self._thread.join(timeout=self._settings.worker_heartbeat_s + 10)
        try:
            with self._sessions.begin() as session:
                mark_stopped(session, self.identity.id)
        except Exception:
            _log.exception("cannot record the stop; the others will find it silent")

"""The grading side of a process, for `serve` (embedded) and `batchjudge worker`: the
job queues, the worker threads with their sandbox slots, and the process's presence."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.execution.judge0 import CallbackHub, judge0_endpoint
from batchjudge.judge0.key_pool import KeyPool, StaticKeyPool
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.service.job_queues import JobQueues
from batchjudge.service.queue import GradingQueue
from batchjudge.service.slot_consumer import SlotConsumer
from batchjudge.service.worker_presence import WorkerPresence
from batchjudge.service.workers import GradingWorkers, RemoteJudge
from batchjudge.services.abuse import AbusePolicy
from batchjudge.services.judge0_api.config import MULTI_FILE_QUEUE
from batchjudge.services.judge0_api.languages import queue_language
from batchjudge.services.judge0_keys import DatabaseKeyPool
from batchjudge.services.worker_registry import WorkerIdentity
from batchjudge.settings import BackendKind, Judge0Auth, Settings
from batchjudge.storage.blobs import BlobStore

_log = logging.getLogger(__name__)


def all_queues(registry: LanguageRegistry) -> list[str]:
    """Every language queue: one per language, and multi-file programs'."""
    return [bundle.spec.id for bundle in registry.bundles()] + [MULTI_FILE_QUEUE]


def remote_judge(
    settings: Settings, sessions: sessionmaker[Session], data_dir: Path, callbacks: CallbackHub
) -> RemoteJudge | None:
    """What grading on a Judge0 server needs, when that is the backend (a bad URL is
    refused now, not in the first job)."""
    if settings.backend is not BackendKind.JUDGE0:
        return None
    judge0_endpoint(settings)
    pool: KeyPool = StaticKeyPool()
    if settings.judge0_auth is not Judge0Auth.NONE:
        pool = DatabaseKeyPool.from_settings(sessions, settings, data_dir)
    return RemoteJudge(pool, callbacks)


@dataclass(frozen=True)
class GradingParts:
    """What a grading process runs; `start` then `stop`."""

    workers: GradingWorkers
    consumer: SlotConsumer
    presence: WorkerPresence
    languages: tuple[str, ...]
    slots: int

    def start(self) -> None:
        """Register (and queue again what was left unfinished), then take jobs."""
        self.presence.start(self.languages, self.slots, self.consumer.busy)
        self.consumer.start()

    def stop(self, grace_s: float | None = None) -> bool:
        """Take no new job; wait (at most `grace_s`) for the running ones, hand back
        those still running, and record the stop. True when every job finished."""
        finished = self.consumer.stop(grace_s)
        if not finished:
            handed = self.presence.hand_back()
            _log.warning(
                "handed back %d unfinished jobs", len(handed.submissions) + len(handed.judge0)
            )
        self.presence.stop()
        if finished:  # otherwise threads still use their sandboxes; the process ends anyway
            self.workers.close()
        return finished


@dataclass(frozen=True)
class GradingNeeds:
    """What the grading side is built from, shared with the rest of the process."""

    settings: Settings
    data_dir: Path
    sessions: sessionmaker[Session]
    registry: LanguageRegistry
    store: BlobStore
    queues: JobQueues
    remote: RemoteJudge | None
    on_crash: Callable[[BaseException, str], None] | None
    abuse: AbusePolicy | None


def build_grading(
    needs: GradingNeeds, identity: WorkerIdentity, languages: Sequence[str], slots: int
) -> tuple[GradingQueue, GradingParts]:
    """A queue whose jobs run here, and the parts that run them: `slots` threads taking
    jobs from the queues of `languages`, registered as `identity`."""
    workers = GradingWorkers(
        needs.settings,
        needs.data_dir,
        needs.sessions,
        needs.registry,
        needs.store,
        needs.remote,
        needs.on_crash,
        abuse=needs.abuse,
        worker_id=identity.id,
    )
    queue = GradingQueue(needs.queues, workers.run, workers.run_judge0, all_queues(needs.registry))
    workers.retry_with(queue.enqueue_later)
    presence = WorkerPresence(
        needs.settings,
        needs.sessions,
        identity,
        queue,
        lambda judge0_id: queue_language(needs.registry, judge0_id),
    )
    consumer = queue.consumer(languages, slots)
    return queue, GradingParts(workers, consumer, presence, tuple(languages), slots)

"""Grading jobs on worker threads: each thread keeps its own event loop and its own
sandbox slot (a distinct uid), for as long as the service runs."""

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.execution.backend import ExecutionBackend
from batchjudge.execution.factory import local_backend
from batchjudge.execution.judge0 import CallbackHub, judge0_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.judge0.key_pool import KeyPool
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.services.abuse import AbusePolicy
from batchjudge.services.grading_jobs import GradingContext, grade_submission, remote_fallback
from batchjudge.services.judge0_api.config import judge0_config
from batchjudge.services.judge0_api.execution import Judge0Runtime
from batchjudge.services.judge0_api.jobs import Judge0JobContext, grade_judge0_submission
from batchjudge.services.judge0_api.languages import multi_file_bundle
from batchjudge.services.package_limits import archive_limits
from batchjudge.settings import Settings
from batchjudge.storage.blobs import BlobStore

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteJudge:
    """What threads need to grade on a Judge0 server (`backend = judge0`)."""

    pool: KeyPool
    callbacks: CallbackHub


@dataclass
class _Runtime:
    loop: asyncio.AbstractEventLoop
    stack: AsyncExitStack
    context: GradingContext
    local: ExecutionBackend
    judge0: Judge0JobContext | None = None
    # The queue of the job running on this thread, where its retries go back.
    language: str = ""


class GradingWorkers:
    """Runs `grade_submission` for whichever thread calls `run`."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        sessions: sessionmaker[Session],
        registry: LanguageRegistry,
        store: BlobStore,
        remote: RemoteJudge | None = None,
        on_crash: Callable[[BaseException, str], None] | None = None,
        abuse: AbusePolicy | None = None,
        worker_id: str | None = None,
    ) -> None:
        """`on_crash` is told of every unexpected exception in a job (a bug); `abuse`
        counts graded submissions that violated the sandbox; claims are recorded under
        `worker_id` (the process's row in `workers`)."""
        self._worker_id = worker_id
        self._settings = settings
        self._abuse = abuse
        self._on_crash = on_crash
        self._remote = remote
        self._retry_later: Callable[[int, str, float, int | None], None] | None = None
        self._data_dir = data_dir
        self._sessions = sessions
        self._registry = registry
        self._store = store
        self._local = threading.local()
        self._indexes = itertools.count()
        self._runtimes: list[_Runtime] = []
        self._lock = threading.Lock()

    def retry_with(self, retry_later: Callable[[int, str, float, int | None], None]) -> None:
        """How a job waiting for Judge0 or for the database is queued again, with the
        attempt it resumes (the queue is built after us)."""
        self._retry_later = retry_later

    def run(self, submission_id: int, resume: int | None = None, language: str = "") -> None:
        """Grade one submission on the calling thread (resuming attempt `resume`); it
        came from `language`'s queue."""
        runtime = self._runtime()
        runtime.language = language
        runtime.loop.run_until_complete(grade_submission(runtime.context, submission_id, resume))

    def run_judge0(self, token: str) -> None:
        """Grade one Judge0 API submission on the calling thread, in the local sandbox."""
        runtime = self._runtime()
        if runtime.judge0 is None:
            runtime.judge0 = runtime.loop.run_until_complete(self._judge0_context(runtime))
        runtime.loop.run_until_complete(grade_judge0_submission(runtime.judge0, token))

    async def _judge0_context(self, runtime: _Runtime) -> Judge0JobContext:
        # Our Judge0 API is served by the local engine whatever backend grades our own
        # submissions, on the thread's own slot (and uid).
        judge0_runtime = Judge0Runtime(
            backend=runtime.local,
            registry=self._registry,
            multi_file=multi_file_bundle(self._registry, self._data_dir),
            options=runtime.context.options,
            config=judge0_config(self._settings.max_queue_length),
        )
        return Judge0JobContext(self._sessions, judge0_runtime, self._on_crash, self._worker_id)

    def _runtime(self) -> _Runtime:
        runtime: _Runtime | None = getattr(self._local, "runtime", None)
        if runtime is not None:
            return runtime
        with self._lock:
            index = next(self._indexes)
        # One slot per thread, with a uid of its own, so threads never share a slot.
        settings = self._settings.model_copy(
            update={
                "sandbox_slots": 1,
                "sandbox_uid_base": self._settings.sandbox_uid_base + index,
                "data_dir": self._data_dir,
            }
        )
        loop = asyncio.new_event_loop()
        stack = AsyncExitStack()
        local = loop.run_until_complete(stack.enter_async_context(local_backend(settings)))
        backend: ExecutionBackend = local
        fallback = None
        if self._remote is not None:
            remote = judge0_backend(self._settings, self._remote.pool, self._remote.callbacks)
            backend = loop.run_until_complete(stack.enter_async_context(remote))
            fallback = remote_fallback(self._settings, local, self._retry_soon)
        context = GradingContext(
            checker_backend=local,
            fallback=fallback,
            on_crash=self._on_crash,
            abuse=self._abuse,
            requeue=self._requeue,
            worker_id=self._worker_id,
            sessions=self._sessions,
            backend=backend,
            registry=self._registry,
            store=self._store,
            problem_cache=self._data_dir / "problems",
            archive_limits=archive_limits(self._settings),
            options=GradeOptions(
                multi_test_enabled=self._settings.multi_test_enabled,
                max_tests_per_execution=self._settings.max_tests_per_execution or None,
                validator_timeout_s=self._settings.validator_timeout_s,
            ),
        )
        runtime = _Runtime(loop, stack, context, local)
        self._local.runtime = runtime
        with self._lock:
            self._runtimes.append(runtime)
        return runtime

    def _retry_soon(self, submission_id: int, delay_s: float) -> None:
        self._requeue(submission_id, delay_s, None)

    def _requeue(self, submission_id: int, delay_s: float, resume: int | None) -> None:
        if self._retry_later is None:
            # Without a queue the submission waits for the next start-up's sweep.
            _log.warning("submission %d waits until the next start-up", submission_id)
            return
        language = self._runtime().language
        self._retry_later(submission_id, language, delay_s, resume)

    def close(self) -> None:
        """Release every thread's sandbox; call once the worker threads have stopped."""
        with self._lock:
            runtimes, self._runtimes = self._runtimes, []
        for runtime in runtimes:
            runtime.loop.run_until_complete(runtime.stack.aclose())
            runtime.loop.close()

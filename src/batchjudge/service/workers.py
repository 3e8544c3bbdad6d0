"""Grading jobs on worker threads: each thread keeps its own event loop and its own
sandbox slot (a distinct uid), for as long as the service runs."""

import asyncio
import itertools
import threading
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from batchjudge.execution.factory import local_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import ArchiveLimits
from batchjudge.services.grading_jobs import GradingContext, grade_submission
from batchjudge.settings import Settings
from batchjudge.storage.blobs import BlobStore


@dataclass
class _Runtime:
    loop: asyncio.AbstractEventLoop
    stack: AsyncExitStack
    context: GradingContext


class GradingWorkers:
    """Runs `grade_submission` for whichever thread calls `run`."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        sessions: sessionmaker[Session],
        registry: LanguageRegistry,
        store: BlobStore,
    ) -> None:
        self._settings = settings
        self._data_dir = data_dir
        self._sessions = sessions
        self._registry = registry
        self._store = store
        self._local = threading.local()
        self._indexes = itertools.count()
        self._runtimes: list[_Runtime] = []
        self._lock = threading.Lock()

    def run(self, submission_id: int) -> None:
        """Grade one submission on the calling thread."""
        runtime = self._runtime()
        runtime.loop.run_until_complete(grade_submission(runtime.context, submission_id))

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
        backend = loop.run_until_complete(stack.enter_async_context(local_backend(settings)))
        context = GradingContext(
            sessions=self._sessions,
            backend=backend,
            registry=self._registry,
            store=self._store,
            problem_cache=self._data_dir / "problems",
            archive_limits=ArchiveLimits(),
            options=GradeOptions(
                multi_test_enabled=self._settings.multi_test_enabled,
                max_tests_per_execution=self._settings.max_tests_per_execution or None,
            ),
        )
        runtime = _Runtime(loop, stack, context)
        self._local.runtime = runtime
        with self._lock:
            self._runtimes.append(runtime)
        return runtime

    def close(self) -> None:
        """Release every thread's sandbox; call once the worker threads have stopped."""
        with self._lock:
            runtimes, self._runtimes = self._runtimes, []
        for runtime in runtimes:
            runtime.loop.run_until_complete(runtime.stack.aclose())
            runtime.loop.close()

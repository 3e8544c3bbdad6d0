"""The backends `batchjudge grade` runs on: the local sandbox, or a Judge0 server with
the local sandbox beside it for output validators and the `local` fallback."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from batchjudge.cli.common import current_database
from batchjudge.execution.backend import ExecutionBackend
from batchjudge.execution.factory import local_backend, resolve_data_dir
from batchjudge.execution.judge0 import judge0_backend
from batchjudge.judge0.key_pool import KeyPool, StaticKeyPool
from batchjudge.services.judge0_keys import DatabaseKeyPool
from batchjudge.settings import BackendKind, Judge0Auth, Judge0Fallback, Settings


@dataclass(frozen=True)
class GradingBackends:
    """Where a grading runs (`primary`), where validators run, and the fallback."""

    primary: ExecutionBackend
    checker: ExecutionBackend
    fallback: ExecutionBackend | None


@asynccontextmanager
async def grading_backends(settings: Settings) -> AsyncIterator[GradingBackends]:
    """The backends `settings` ask for, closed on exit."""
    async with AsyncExitStack() as stack:
        local = await stack.enter_async_context(local_backend(settings))
        if settings.backend is BackendKind.LOCAL:
            yield GradingBackends(local, local, None)
            return
        pool: KeyPool = StaticKeyPool()
        if settings.judge0_auth is not Judge0Auth.NONE:
            sessions = stack.enter_context(current_database(settings))
            pool = DatabaseKeyPool.from_settings(sessions, settings, resolve_data_dir(settings))
        remote = await stack.enter_async_context(judge0_backend(settings, pool))
        fallback = local if settings.judge0_fallback is Judge0Fallback.LOCAL else None
        yield GradingBackends(remote, local, fallback)

"""The one place that decides which execution backend a process uses."""

import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from batchjudge.domain.errors import ConfigError
from batchjudge.execution.local.backend import LocalBackend
from batchjudge.execution.local.compile_cache import CompileCache
from batchjudge.execution.local.prepared import PreparedStore
from batchjudge.execution.local.sandbox import LocalSandbox, SandboxConfig
from batchjudge.settings import Settings


def build_sandbox(settings: Settings) -> LocalSandbox:
    """The local sandbox configured from `settings`."""
    return LocalSandbox(
        SandboxConfig(
            state_dir=(settings.data_dir / "sandbox").resolve(),
            slots=settings.sandbox_slots,
            uid_base=settings.sandbox_uid_base,
            allow_reduced=settings.allow_reduced_sandbox,
        )
    )


def _check_reachable(folder: Path) -> None:
    """The sandbox uids read compiled programs under `folder`, so every ancestor must let
    others traverse it (pytest's and mkdtemp's 0700 folders do not)."""
    folder.mkdir(parents=True, exist_ok=True)
    for ancestor in [folder, *folder.parents]:
        if not ancestor.stat().st_mode & stat.S_IXOTH:
            raise ConfigError(
                f"the data dir {folder} is not reachable by the sandbox users: "
                f"{ancestor} has no execute permission for others (chmod o+x, or set "
                "BATCHJUDGE_DATA_DIR elsewhere)"
            )


@asynccontextmanager
async def local_backend(settings: Settings) -> AsyncIterator[LocalBackend]:
    """A LocalBackend with its sandbox, compile cache and prepared store; closed on exit."""
    data_dir = settings.data_dir.resolve()
    if os.geteuid() == 0:
        _check_reachable(data_dir)
    sandbox = build_sandbox(settings)
    cache_root = (settings.data_dir / "cache").resolve()
    cache = CompileCache(cache_root / "programs", settings.compile_cache_mb << 20)
    prepared = PreparedStore(cache_root / "prepared", sandbox)
    backend = LocalBackend(sandbox, cache, prepared)
    try:
        yield backend
    finally:
        await backend.aclose()
        await sandbox.aclose()

"""The one place that decides which execution backend a process uses."""

import logging
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

#: Where the data goes when the default (`var` in the working directory) is out of the
#: sandbox users' reach, e.g. under /root.
FALLBACK_DATA_DIR = Path("/var/tmp/batchjudge")

_log = logging.getLogger(__name__)


def build_sandbox(settings: Settings, data_dir: Path) -> LocalSandbox:
    """The local sandbox configured from `settings`, keeping its state under `data_dir`."""
    return LocalSandbox(
        SandboxConfig(
            state_dir=data_dir / "sandbox",
            slots=settings.sandbox_slots,
            uid_base=settings.sandbox_uid_base,
            allow_reduced=settings.reduced_sandbox_allowed,
        )
    )


def _closed_ancestor(folder: Path) -> Path | None:
    """The first existing folder on the way to `folder` that others may not traverse."""
    for ancestor in [folder, *folder.parents]:
        if ancestor.exists() and not ancestor.stat().st_mode & stat.S_IXOTH:
            return ancestor
    return None


def resolve_data_dir(settings: Settings) -> Path:
    """The data dir to use, created. The sandbox uids read compiled programs there, so as
    root every folder above it must let others traverse it: a configured dir that does
    not is a ConfigError; the default falls back to FALLBACK_DATA_DIR with a warning."""
    data_dir = settings.data_dir.resolve()
    if os.geteuid() == 0 and (closed := _closed_ancestor(data_dir)) is not None:
        if "data_dir" in settings.model_fields_set:
            raise ConfigError(
                f"the data dir {data_dir} is not reachable by the sandbox users: {closed} "
                "has no execute permission for others (chmod o+x, or set "
                "BATCHJUDGE_DATA_DIR elsewhere)"
            )
        _log.warning(
            "%s is not reachable by the sandbox users (%s is private); using %s",
            data_dir,
            closed,
            FALLBACK_DATA_DIR,
        )
        data_dir = FALLBACK_DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


@asynccontextmanager
async def local_backend(settings: Settings) -> AsyncIterator[LocalBackend]:
    """A LocalBackend with its sandbox, compile cache and prepared store; closed on exit."""
    data_dir = resolve_data_dir(settings)
    sandbox = build_sandbox(settings, data_dir)
    cache_root = data_dir / "cache"
    cache = CompileCache(cache_root / "programs", settings.compile_cache_mb << 20)
    prepared = PreparedStore(cache_root / "prepared", sandbox)
    backend = LocalBackend(sandbox, cache, prepared)
    try:
        yield backend
    finally:
        await backend.aclose()
        await sandbox.aclose()

"""One-off per-machine language preparations (precompiled headers), built on first use."""

import asyncio
import shutil
import uuid
from pathlib import Path

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.compile_cache import cache_key
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.runner import SandboxRunner
from batchjudge.languages.commands import render_command
from batchjudge.languages.registry import LanguageBundle
from batchjudge.languages.spec import PrepareStep


def _step_key(language: LanguageBundle, step: PrepareStep) -> str:
    # The compiler binary's size and mtime join the key so an upgrade rebuilds the header,
    # and so do the copied sources' contents so a driver change rebuilds its object files.
    tool = Path(step.command[0])
    stamp = f"{tool.stat().st_size}:{tool.stat().st_mtime_ns}" if tool.exists() else "absent"
    parts = [language.spec.id.encode(), step.model_dump_json().encode(), stamp.encode()]
    parts += [language.read(path) for path in step.sources.values()]
    return cache_key(parts)[:20]


class PreparedStore:
    """Prepared directories under `root`, one per language and step definition."""

    def __init__(self, root: Path, sandbox: SandboxRunner) -> None:
        self._root = root
        self._sandbox = sandbox
        self._locks: dict[str, asyncio.Lock] = {}
        self._empty = root / "empty"
        self._empty.mkdir(parents=True, exist_ok=True)
        self._empty.chmod(0o755)

    async def ensure(self, language: LanguageBundle) -> Path:
        """The prepared directory of `language`, building it if needed.

        A failed preparation raises SandboxError (the grading gets IE) and is retried by
        the next compile: the compile commands rely on what it builds.
        """
        step = language.spec.prepare
        if step is None:
            return self._empty
        final = self._root / f"{language.spec.id}-{_step_key(language, step)}"
        lock = self._locks.setdefault(str(final), asyncio.Lock())
        async with lock:
            if final.is_dir():
                return final
            return await self._build(language, step, final)

    async def _build(self, language: LanguageBundle, step: PrepareStep, final: Path) -> Path:
        box = self._root / f"tmp-{uuid.uuid4().hex}"
        contents = {name: text.encode() for name, text in step.files.items()}
        contents |= {name: language.read(path) for name, path in step.sources.items()}
        for name, content in contents.items():
            path = box / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        limits = ResourceLimits(
            cpu_time_s=step.time_limit_s,
            wall_time_s=step.time_limit_s * 2,
            memory_mb=step.memory_mb,
            processes=64,
            output_bytes=512 << 20,
        )
        binds = [(Path(p), p) for p in language.spec.sandbox_binds]
        result = await self._sandbox.execute(
            SandboxRequest(
                argv=render_command(step.command, {}),
                box=box,
                limits=limits,
                box_writable=True,
                ro_binds=binds,
            )
        )
        if not result.succeeded:
            shutil.rmtree(box, ignore_errors=True)
            detail = (result.stdout + result.stderr)[-2000:].decode("utf-8", "replace").strip()
            raise SandboxError(
                f"preparing {language.spec.id} failed ({result.termination}): {detail}"
            )
        try:
            box.rename(final)
        except OSError:
            shutil.rmtree(box, ignore_errors=True)
        return final

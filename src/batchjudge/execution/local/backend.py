"""LocalBackend: compile once into the content-addressed cache, run in the local sandbox."""

import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.backend import CompileRequest, CompileResult, Program, RunRequest
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.compile_cache import CachedProgram, CompileCache, cache_key
from batchjudge.execution.local.prepared import PreparedStore
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.runner import SandboxRunner
from batchjudge.execution.outcome import ExecutionResult, Termination
from batchjudge.languages.commands import PREPARED_MOUNT, render_command
from batchjudge.languages.registry import LanguageBundle

#: Compiler messages kept for the student (the issue's compile output cap).
COMPILE_OUTPUT_CAP = 64 << 10
#: Below this much free space, a failed compile is blamed on the disk, not the source.
_FULL_DISK_BYTES = 1 << 20


@contextmanager
def _scratch(what: str) -> Iterator[None]:
    """Host-side scratch writes failing (a full disk) are infrastructure: SandboxError."""
    try:
        yield
    except OSError as error:
        raise SandboxError(f"cannot {what}: {error.strerror or error}") from error


def _disk_full(folder: Path) -> bool:
    try:
        found = os.statvfs(folder)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < _FULL_DISK_BYTES


def _write_files(root: Path, files: Mapping[str, bytes]) -> None:
    for name, content in files.items():
        path = (root / name).resolve()
        if not path.is_relative_to(root.resolve()):
            raise ValueError(f"file name {name!r} leaves its directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _binds(language: LanguageBundle) -> list[tuple[Path, str]]:
    return [(Path(path), path) for path in language.spec.sandbox_binds]


def _compiler_message(result: ExecutionResult) -> str:
    text = (result.stdout + result.stderr)[:COMPILE_OUTPUT_CAP].decode("utf-8", "replace")
    if result.termination is Termination.TIME_LIMIT:
        text += "\ncompilation exceeded its time limit"
    elif result.termination is Termination.MEMORY_LIMIT:
        text += "\ncompilation exceeded its memory limit"
    return text


class LocalBackend:
    """Runs programs in the embedded sandbox; compiled programs are cached by content."""

    name = "local"

    def __init__(
        self, sandbox: SandboxRunner, cache: CompileCache, prepared: PreparedStore
    ) -> None:
        self._sandbox = sandbox
        self._cache = cache
        self._prepared = prepared

    async def compile(self, request: CompileRequest) -> CompileResult:
        """Compile in a writable box, or serve the same sources from the cache."""
        spec = request.language.spec
        command = render_command(request.step.command, request.variables) if request.step else None
        parts = [spec.id.encode(), repr(command).encode()]
        for name in sorted(request.files):
            parts += [name.encode(), request.files[name]]
        key = cache_key(parts)
        async with self._cache.locked(key):
            hit = self._cache.lookup(key)
            if hit is not None:
                return self._result(spec.id, hit, cached=True)
            with _scratch("write the sources to compile"):
                box = self._cache.new_box()
                _write_files(box, request.files)
            if command is None or request.step is None:
                with _scratch("store the program"):
                    entry = self._cache.commit(key, box, True, "", 0.0)
                return self._result(spec.id, entry, False)
            prepared = await self._prepared.ensure(request.language)
            step = request.step
            started = time.monotonic()
            result = await self._sandbox.execute(
                SandboxRequest(
                    argv=command,
                    box=box,
                    box_writable=True,
                    limits=ResourceLimits(
                        cpu_time_s=step.time_limit_s,
                        wall_time_s=step.time_limit_s * 2,
                        memory_mb=step.memory_mb,
                        processes=step.processes,
                        output_bytes=256 << 20,
                    ),
                    ro_binds=[*_binds(request.language), (prepared, PREPARED_MOUNT)],
                )
            )
            elapsed = time.monotonic() - started
            if not result.succeeded and _disk_full(box):
                # The compiler could not write its output: not the student's error, and
                # not to be cached as one.
                self._cache.discard(box)
                raise SandboxError(f"cannot compile: no space left on the disk of {box.parent}")
            with _scratch("store the compiled program"):
                entry = self._cache.commit(
                    key, box, result.succeeded, _compiler_message(result), elapsed
                )
        return self._result(spec.id, entry, cached=False)

    def _result(self, language_id: str, entry: CachedProgram, cached: bool) -> CompileResult:
        program = Program(language_id, entry.key, str(entry.box)) if entry.ok else None
        return CompileResult(
            ok=entry.ok,
            output=entry.output,
            time_s=0.0 if cached else entry.time_s,
            cached=cached,
            program=program,
            executions=0 if cached else 1,
        )

    async def run(self, request: RunRequest) -> ExecutionResult:
        """Run the cached program once, with its box read-only."""
        work: Path | None = None
        try:
            if request.work_files:
                with _scratch("write the run's files"):
                    work = Path(tempfile.mkdtemp(prefix="bj-work-"))
                    _write_files(work, request.work_files)
            return await self._sandbox.execute(
                SandboxRequest(
                    argv=list(request.command),
                    box=Path(request.program.location),
                    limits=request.limits,
                    stdin=request.stdin,
                    ro_binds=_binds(request.language),
                    work=work,
                    expose_memory_events=request.expose_memory_events,
                )
            )
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)

    async def aclose(self) -> None:
        """Nothing to release here; the sandbox is closed by its owner."""

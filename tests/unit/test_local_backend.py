"""LocalBackend and its compile cache, over a stand-in sandbox runner."""

import asyncio
import os
import time
from pathlib import Path

import pytest

from batchjudge.execution.backend import CompileRequest, RunRequest
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.backend import LocalBackend
from batchjudge.execution.local.compile_cache import CompileCache, cache_key
from batchjudge.execution.local.prepared import PreparedStore
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.outcome import ExecutionResult, Termination


class RecordingSandbox:
    """Pretends to compile by writing `prog`; fails when the source contains 'error'."""

    def __init__(self) -> None:
        self.requests: list[SandboxRequest] = []

    async def execute(self, request: SandboxRequest) -> ExecutionResult:
        self.requests.append(request)
        await asyncio.sleep(0.01)
        if request.box_writable:
            failed = any(b"error" in f.read_bytes() for f in request.box.iterdir())
            if not failed:
                (request.box / "prog").write_bytes(b"binary" * 100)
            code, err = (1, b"main.fake:1: error") if failed else (0, b"")
            return ExecutionResult(Termination.EXITED, code, None, 0.1, 0.1, 100, b"", err)
        return ExecutionResult(Termination.EXITED, 0, None, 0.1, 0.1, 100, b"out", b"")


@pytest.fixture
def sandbox() -> RecordingSandbox:
    return RecordingSandbox()


@pytest.fixture
def backend(tmp_path, sandbox) -> LocalBackend:
    cache = CompileCache(tmp_path / "programs", max_bytes=1 << 20)
    return LocalBackend(sandbox, cache, PreparedStore(tmp_path / "prepared", sandbox))


def request(language, source: bytes) -> CompileRequest:
    return CompileRequest(
        language, {"main.fake": source}, language.spec.compile, {"source": "main.fake"}
    )


@pytest.mark.anyio
async def test_same_source_compiles_once(backend, sandbox, fake_language):
    first = await backend.compile(request(fake_language, b"int x;"))
    second = await backend.compile(request(fake_language, b"int x;"))
    other = await backend.compile(request(fake_language, b"int y;"))
    assert first.ok
    assert not first.cached
    assert second.cached
    assert second.time_s == 0.0
    assert second.program == first.program
    assert other.program != first.program
    assert len(sandbox.requests) == 2
    assert sandbox.requests[0].argv == ["fakecc", "main.fake"]


@pytest.mark.anyio
async def test_concurrent_identical_compiles_share_one_execution(backend, sandbox, fake_language):
    results = await asyncio.gather(
        *(backend.compile(request(fake_language, b"same")) for _ in range(5))
    )
    assert len(sandbox.requests) == 1
    assert sum(1 for r in results if not r.cached) == 1
    assert len({r.program for r in results}) == 1


@pytest.mark.anyio
async def test_compile_errors_are_kept_and_cached(backend, sandbox, fake_language):
    first = await backend.compile(request(fake_language, b"error here"))
    again = await backend.compile(request(fake_language, b"error here"))
    assert not first.ok
    assert first.program is None
    assert "main.fake:1: error" in first.output
    assert again.cached
    assert len(sandbox.requests) == 1


@pytest.mark.anyio
async def test_run_mounts_the_cached_box_read_only(backend, sandbox, fake_language):
    compiled = await backend.compile(request(fake_language, b"ok"))
    assert compiled.program is not None
    limits = ResourceLimits(cpu_time_s=1, wall_time_s=2, memory_mb=64)
    run = RunRequest(
        fake_language,
        compiled.program,
        ["./prog"],
        b"in",
        limits,
        work_files={"input": b"1", "feedback/x": b""},
    )
    result = await backend.run(run)
    assert result.stdout == b"out"
    executed = sandbox.requests[-1]
    assert not executed.box_writable
    assert (executed.box / "prog").exists()
    assert executed.stdin == b"in"
    assert executed.work is not None
    assert not executed.work.exists()  # the scratch /work is removed afterwards


def test_cache_keys_do_not_collide_on_part_boundaries():
    assert cache_key([b"ab", b"c"]) != cache_key([b"a", b"bc"])


@pytest.mark.anyio
async def test_cache_evicts_least_recently_used_beyond_its_bound(tmp_path):
    cache = CompileCache(tmp_path, max_bytes=3000, keep_recent_s=60)
    keys = [cache_key([bytes([k])]) for k in range(4)]
    for k, key in enumerate(keys):
        async with cache.locked(key):
            box = cache.new_box()
            (box / "prog").write_bytes(b"x" * 1000)
            cache.commit(key, box, True, "", 0.1)
        # Age the entries so they are eligible; the newest stays recent.
        if k < 3:
            old = time.time() - 3600 + k
            os.utime(tmp_path / "entries" / key / "meta.json", (old, old))
    assert cache.lookup(keys[0]) is None
    assert cache.lookup(keys[3]) is not None
    total = sum(f.stat().st_size for f in (tmp_path / "entries").rglob("prog"))
    assert total <= 3000


@pytest.mark.anyio
async def test_recently_used_entries_are_never_evicted(tmp_path: Path):
    cache = CompileCache(tmp_path, max_bytes=10, keep_recent_s=600)
    key = cache_key([b"k"])
    async with cache.locked(key):
        box = cache.new_box()
        (box / "prog").write_bytes(b"x" * 1000)
        cache.commit(key, box, True, "", 0.1)
    assert cache.lookup(key) is not None

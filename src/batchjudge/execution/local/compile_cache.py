"""Compiled programs stored by content hash: bounded in size, safe across processes."""

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

_META = "meta.json"
_STRIPES = 64


@dataclass(frozen=True)
class CachedProgram:
    """One cache entry: the box directory and how its compile went."""

    key: str
    box: Path
    ok: bool
    output: str
    time_s: float


def cache_key(parts: Iterable[bytes]) -> str:
    """A content hash over length-prefixed parts, so part boundaries cannot collide."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


class CompileCache:
    """Entries live in `root/entries/<key>`; a striped file lock serialises work on a key.

    Entries used within `keep_recent_s` are never evicted, so a program cannot vanish
    while a grading that just looked it up is still running it.
    """

    def __init__(self, root: Path, max_bytes: int, keep_recent_s: float = 900.0) -> None:
        self._root = root
        self._entries = root / "entries"
        self._scratch = root / "tmp"
        self._locks = root / "locks"
        self._max_bytes = max_bytes
        self._keep_recent_s = keep_recent_s
        for folder in (self._entries, self._scratch, self._locks):
            folder.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def locked(self, key: str) -> AsyncIterator[None]:
        """Hold the lock stripe of `key` (across threads and processes)."""
        lock_file = self._locks / f"{int(key[:8], 16) % _STRIPES:02d}.lock"
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def lookup(self, key: str) -> CachedProgram | None:
        """The entry for `key`, marked as just used; None when absent."""
        entry = self._entries / key
        try:
            meta = json.loads((entry / _META).read_text())
        except (OSError, ValueError):
            return None
        os.utime(entry / _META)
        return CachedProgram(key, entry / "box", meta["ok"], meta["output"], meta["time_s"])

    def new_box(self) -> Path:
        """A fresh scratch directory to compile in, later handed to `commit`."""
        work = self._scratch / uuid.uuid4().hex
        (work / "box").mkdir(parents=True)
        return work / "box"

    def commit(self, key: str, box: Path, ok: bool, output: str, time_s: float) -> CachedProgram:
        """Publish a compiled box under `key` atomically, then trim the cache."""
        work = box.parent
        size = _tree_size(work)
        meta = {"ok": ok, "output": output, "time_s": time_s, "size": size}
        (work / _META).write_text(json.dumps(meta))
        entry = self._entries / key
        try:
            work.rename(entry)
        except OSError:
            # Another process published the same key first; its entry is equivalent.
            shutil.rmtree(work, ignore_errors=True)
        self.evict()
        found = self.lookup(key)
        return found if found is not None else CachedProgram(key, box, ok, output, time_s)

    def discard(self, box: Path) -> None:
        """Drop a scratch directory that will not be committed."""
        shutil.rmtree(box.parent, ignore_errors=True)

    def evict(self) -> None:
        """Remove least recently used entries until the cache fits `max_bytes`."""
        entries: list[tuple[float, int, Path]] = []
        for entry in self._entries.iterdir():
            try:
                stat = (entry / _META).stat()
                size = int(json.loads((entry / _META).read_text())["size"])
            except (OSError, ValueError, KeyError):
                continue
            entries.append((stat.st_mtime, size, entry))
        total = sum(size for _, size, _ in entries)
        now = time.time()
        for used, size, entry in sorted(entries):
            if total <= self._max_bytes:
                break
            if now - used < self._keep_recent_s:
                break
            shutil.rmtree(entry, ignore_errors=True)
            total -= size

"""A content-addressed store: every file is kept once, under the SHA-256 of its bytes.

Reads check the hash, so a blob damaged on disk is reported, never served; writing the
same bytes again repairs it."""

import hashlib
import os
import tempfile
from pathlib import Path

from batchjudge.domain.errors import BatchjudgeError


class BlobNotFoundError(BatchjudgeError):
    """No blob with that hash is stored (or, as BlobCorruptError, not intact)."""


class BlobCorruptError(BlobNotFoundError):
    """A blob is stored, but its bytes no longer match its hash."""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    """Blobs under `root/<2 hex>/<62 hex>`; writes are atomic, so a crash leaves no half file."""

    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        """Where the blob `digest` lives (it may not exist)."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise BlobNotFoundError(f"not a blob hash: {digest!r}")
        return self._root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        """Store `data` (once) and return its hash."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if final.exists() and sha256_of(final) == digest:
            return digest
        final.parent.mkdir(exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=final.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(staging, 0o644)
            os.replace(staging, final)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes of blob `digest`.

        Raises:
            BlobNotFoundError: it is not stored.
            BlobCorruptError: it is stored, damaged.
        """
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"blob {digest[:12]}… is missing") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise BlobCorruptError(f"blob {digest[:12]}… is corrupt (its bytes changed on disk)")
        return data

    def check(self, digest: str) -> None:
        """Raise as `get` would when blob `digest` is missing or damaged, without keeping
        its bytes in memory."""
        try:
            found = sha256_of(self.path(digest))
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"blob {digest[:12]}… is missing") from exc
        if found != digest:
            raise BlobCorruptError(f"blob {digest[:12]}… is corrupt (its bytes changed on disk)")

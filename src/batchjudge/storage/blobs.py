"""A content-addressed store: every file is kept once, under the SHA-256 of its bytes."""

import hashlib
import os
import tempfile
from pathlib import Path

from batchjudge.domain.errors import BatchjudgeError


class BlobNotFoundError(BatchjudgeError):
    """No blob with that hash is stored."""


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
        if final.exists():
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
        """The bytes of blob `digest`."""
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"blob {digest} is missing") from exc

"""The files a backup holds beside the database: the test-data blobs and, only when asked
for, the master key file."""

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from batchjudge.domain.errors import ConfigError
from batchjudge.services.backup_manifest import file_sha256
from batchjudge.storage.blobs import BlobStore

#: The blob store's folder, in the data dir and in a backup alike.
BLOBS = "blobs"

_CHUNK = 1 << 20


def _copy_into(source: Path, writer: BinaryIO) -> str:
    """Copy `source` into `writer` and return the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with source.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def copy_blobs(store_root: Path, backup: Path) -> dict[str, str]:
    """Copy every blob of the store at `store_root` into `backup/blobs`.

    Returns:
        The SHA-256 of each copy, by its path in the backup.

    Raises:
        ConfigError: a blob's content no longer matches its name (a damaged disk): better
            known now than at restore time.
    """
    files: dict[str, str] = {}
    if not store_root.is_dir():
        return files
    for prefix in sorted(store_root.iterdir()):
        if not prefix.is_dir() or len(prefix.name) != 2:
            continue
        (backup / BLOBS / prefix.name).mkdir(parents=True)
        for blob in sorted(prefix.iterdir()):
            if blob.name.startswith("."):  # `.incoming-*`: a write not finished yet
                continue
            with (backup / BLOBS / prefix.name / blob.name).open("xb") as writer:
                digest = _copy_into(blob, writer)
            if digest != prefix.name + blob.name:
                raise ConfigError(
                    f"the blob {blob} is damaged: its content does not match its name"
                )
            files[f"{BLOBS}/{prefix.name}/{blob.name}"] = digest
    return files


def restore_blobs(backup: Path, names: Iterable[str], store_root: Path) -> int:
    """Put the blobs `names` (paths in `backup`, checked already) into the store at
    `store_root`; blobs there already and intact are kept, others replaced atomically.
    Blobs the backup lacks are left alone: nothing restored refers to them.

    Returns:
        How many blobs were copied.
    """
    store = BlobStore(store_root)
    copied = 0
    for name in names:
        parts = Path(name).parts
        if len(parts) != 3 or parts[0] != BLOBS:
            continue
        digest = parts[1] + parts[2]
        final = store.path(digest)
        if final.is_file() and file_sha256(final) == digest:
            continue
        final.parent.mkdir(exist_ok=True)
        descriptor, staging = tempfile.mkstemp(dir=final.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as writer:
                _copy_into(backup / name, writer)
            os.chmod(staging, 0o644)
            os.replace(staging, final)
        finally:
            Path(staging).unlink(missing_ok=True)
        copied += 1
    return copied

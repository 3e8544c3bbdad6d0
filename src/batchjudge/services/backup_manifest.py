"""The manifest of a backup folder: what it holds, and the checksum of every file in it."""

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from batchjudge.domain.errors import InvalidInputError

#: The manifest's name inside a backup folder; it is written last, so a folder without
#: one is an unfinished backup.
MANIFEST_NAME = "manifest.json"
#: Bumped when the layout changes in a way older code cannot read.
FORMAT_VERSION = 1

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Manifest:
    """What a backup holds.

    Attributes:
        batchjudge_version: the version that made it.
        alembic_revision: the schema revision of the database copy.
        database: `sqlite` or `postgresql`, which decides the dump's format.
        created_at: when the database snapshot was taken (UTC).
        tables: rows per table in the database copy, as of the snapshot.
        files: SHA-256 of every file, by path relative to the backup folder (`/`-separated).
    """

    batchjudge_version: str
    alembic_revision: str
    database: str
    created_at: datetime
    tables: dict[str, int]
    files: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "batchjudge_version": self.batchjudge_version,
            "alembic_revision": self.alembic_revision,
            "database": self.database,
            "created_at": self.created_at.isoformat(),
            "tables": dict(sorted(self.tables.items())),
            "files": dict(sorted(self.files.items())),
        }


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at `path`, read in chunks (blobs can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write `folder/manifest.json` durably."""
    target = folder / MANIFEST_NAME
    with target.open("w", encoding="utf-8") as out:
        json.dump(manifest.as_json(), out, indent=1)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the backup in `folder`.

    Raises:
        InvalidInputError: there is no backup there, or its manifest is unreadable or of a
            newer format.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise InvalidInputError(f"{folder} is not a backup: it has no {MANIFEST_NAME}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["format"] > FORMAT_VERSION:
            raise InvalidInputError(
                f"{folder} was made by a newer batchjudge (backup format {data['format']})"
            )
        return Manifest(
            batchjudge_version=str(data["batchjudge_version"]),
            alembic_revision=str(data["alembic_revision"]),
            database=str(data["database"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            tables={str(name): int(rows) for name, rows in data["tables"].items()},
            files={str(name): str(digest) for name, digest in data["files"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInputError(f"{path} is damaged: {type(exc).__name__}: {exc}") from None


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists against its checksum.

    Raises:
        InvalidInputError: a file is missing or its content changed (names the first one).
    """
    for name, expected in sorted(manifest.files.items()):
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise InvalidInputError(f"{folder}: the manifest names a file outside the backup")
        if not path.is_file():
            raise InvalidInputError(f"{folder}: {name} is missing from the backup")
        if file_sha256(path) != expected:
            raise InvalidInputError(
                f"{folder}: checksum mismatch for {name}: the backup is damaged or was altered"
            )

"""Online backups of the database and the test-data store into a folder, and their restore.

A backup folder holds `manifest.json` (written last: a folder without it is unfinished),
the database copy (`database.sqlite3`, or `database.pgdump` in pg_dump's custom format),
`blobs/` laid out like the store, and `master.key` only when asked for.
"""

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from batchjudge import __version__
from batchjudge.db.engine import database_url
from batchjudge.db.migrate import alembic_config
from batchjudge.domain.errors import ConfigError, ConflictError, InvalidInputError
from batchjudge.services import backup_postgres, backup_sqlite
from batchjudge.services.backup_files import BLOBS, copy_blobs, restore_blobs
from batchjudge.services.backup_manifest import (
    Manifest,
    file_sha256,
    read_manifest,
    verify_files,
    write_manifest,
)
from batchjudge.services.backup_master_key import (
    copy_master_key,
    install_master_key,
    plan_master_key,
)
from batchjudge.services.backup_tables import TableContents, holds_data
from batchjudge.settings import Settings

#: The database copy's name in a backup, by database kind.
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore put back.

    Attributes:
        manifest: the backup's manifest.
        tables: rows per table in the database after the restore.
        blobs: blobs in the backup (all now in the store).
        blobs_copied: those that were missing or damaged in the store.
        notes: what the operator should know (about the master key).
    """

    manifest: Manifest
    tables: dict[str, int]
    blobs: int
    blobs_copied: int
    notes: tuple[str, ...]


def database_kind(url: str) -> str:
    """`sqlite` or `postgresql`, from the database URL."""
    kind = make_url(url).get_backend_name()
    if kind not in DATABASE_FILES:
        raise ConfigError(f"cannot back up a {kind} database: only SQLite and PostgreSQL")
    return kind


@contextmanager
def _as_config_errors(action: str) -> Iterator[None]:
    """Disk and database failures as one-line ConfigErrors."""
    try:
        yield
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise ConfigError(f"{action}:{where}: {exc.strerror or exc}") from exc
    except SQLAlchemyError as exc:
        raise ConfigError(f"{action}: database error: {str(exc).splitlines()[0]}") from exc


def make_backup(
    settings: Settings, data_dir: Path, target: Path, *, include_master_key: bool = False
) -> Manifest:
    """Back up the database and the blob store of the service using `data_dir` into the
    new folder `target`, while the service keeps running.

    Raises:
        ConflictError: `target` exists.
        ConfigError: the database cannot be read, a dump tool is missing or failed, or
            the disk failed.
    """
    url = database_url(settings.database_url, data_dir)
    kind = database_kind(url)
    target = target.resolve()
    if target.exists():
        raise ConflictError(f"{target} exists already: back up into a new path")
    staging = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    with _as_config_errors(f"cannot back up into {target}"):
        try:
            # Sources, password hashes and encrypted keys: for the operator's eyes only.
            staging.parent.mkdir(parents=True, exist_ok=True)
            staging.mkdir(mode=0o700)
            manifest = _fill(settings, data_dir, url, kind, staging, include_master_key)
            os.sync()  # every copy on disk before the manifest says the backup is whole
            write_manifest(staging, manifest)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _fill(
    settings: Settings, data_dir: Path, url: str, kind: str, folder: Path, with_key: bool
) -> Manifest:
    created_at = datetime.now(UTC)
    database_file = folder / DATABASE_FILES[kind]
    if kind == "sqlite":
        contents = backup_sqlite.snapshot_sqlite(url, database_file)
    else:
        contents = backup_postgres.snapshot_postgres(url, database_file)
    if contents.revision is None:
        raise ConfigError("the database was never migrated: there is nothing to back up")
    files = {database_file.name: file_sha256(database_file)}
    # Blobs are copied after the snapshot: a blob is stored before the rows naming it are
    # committed, and the store never deletes one, so every blob the snapshot refers to is
    # here; blobs stored since are harmless extras.
    files |= copy_blobs(settings.blob_root(data_dir), folder)
    if with_key:
        files |= copy_master_key(settings, data_dir, folder)
    return Manifest(
        batchjudge_version=__version__,
        alembic_revision=contents.revision,
        database=kind,
        created_at=created_at,
        tables=contents.tables,
        files=files,
    )


def _check_revision_known(revision: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        scripts.get_revision(revision)
    except CommandError:
        raise InvalidInputError(
            f"the backup's schema revision {revision} is unknown to this batchjudge: "
            "restore it with the version that made it"
        ) from None


def _contents_of_target(kind: str, url: str) -> TableContents:
    if kind == "sqlite":
        return backup_sqlite.contents_of_target(url)
    return backup_postgres.contents_of_target(url)


def restore_backup(
    settings: Settings, data_dir: Path, source: Path, *, force: bool = False
) -> RestoreSummary:
    """Put the backup in `source` back into the configured database and blob store. The
    backup is checked whole before anything changes.

    Raises:
        InvalidInputError: `source` is not a backup, is damaged (a checksum mismatch), or
            holds another kind of database or an unknown schema.
        ConflictError: the database holds data, or a different master key file exists,
            and `force` is off.
        ConfigError: the database or the disk failed, or a restore tool is missing.
    """
    source = source.resolve()
    manifest = read_manifest(source)
    url = database_url(settings.database_url, data_dir)
    kind = database_kind(url)
    if manifest.database != kind:
        raise InvalidInputError(
            f"{source} holds a {manifest.database} database, but the configured one is {kind}"
        )
    database_file = DATABASE_FILES[kind]
    if database_file not in manifest.files:
        raise InvalidInputError(f"{source} is damaged: its manifest lists no {database_file}")
    _check_revision_known(manifest.alembic_revision)
    with _as_config_errors(f"cannot restore from {source}"):
        verify_files(source, manifest)
        key = plan_master_key(source, manifest, settings, data_dir, force=force)
        if holds_data(_contents_of_target(kind, url).tables) and not force:
            raise ConflictError(
                "the database holds data already: restore with --force to replace it"
            )
        if kind == "sqlite":
            backup_sqlite.restore_sqlite(source / database_file, url)
        else:
            backup_postgres.restore_postgres(source / database_file, url, manifest.tables)
        copied = restore_blobs(source, manifest.files, settings.blob_root(data_dir))
        install_master_key(source, manifest, key)
        after = _contents_of_target(kind, url).tables
    short = sorted(name for name, rows in manifest.tables.items() if after.get(name, 0) < rows)
    if short:
        raise ConfigError(f"the restored database lacks rows in {', '.join(short)}")
    blobs = sum(1 for name in manifest.files if name.startswith(f"{BLOBS}/"))
    notes = (key.note,) if key.note else ()
    return RestoreSummary(manifest, after, blobs, copied, notes)

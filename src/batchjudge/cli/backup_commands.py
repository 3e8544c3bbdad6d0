"""`batchjudge backup` and `batchjudge restore`: online backups of the database and the
test-data store (see docs/backup.md)."""

from pathlib import Path
from typing import Annotated

import typer

from batchjudge.cli.common import context_settings, user_errors
from batchjudge.domain.errors import ConfigError
from batchjudge.execution.factory import resolve_data_dir
from batchjudge.services.backup import make_backup, restore_backup
from batchjudge.settings import Settings


def _data_dir(settings: Settings) -> Path:
    """The server's data dir (its blob store, its SQLite file); like the database
    commands, also one the sandbox users cannot reach, which `serve` would refuse."""
    try:
        return resolve_data_dir(settings)
    except ConfigError:
        return settings.data_dir.resolve()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def backup_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A new folder to hold the backup.")],
    include_master_key: Annotated[
        bool,
        typer.Option(
            "--include-master-key",
            help="Also copy the master key file; then keep the backup as secret as the key.",
        ),
    ] = False,
) -> None:
    """Back up the database and the test data while the service keeps running."""
    settings = context_settings(ctx)
    with user_errors():
        manifest = make_backup(
            settings, _data_dir(settings), path, include_master_key=include_master_key
        )
    rows = sum(manifest.tables.values())
    blobs = sum(1 for name in manifest.files if name.startswith("blobs/"))
    typer.echo(
        f"backed up {_plural(rows, 'row')} in {_plural(len(manifest.tables), 'table')} "
        f"({manifest.database}, revision {manifest.alembic_revision}) and "
        f"{_plural(blobs, 'blob')} into {path.resolve()}"
    )
    if not include_master_key:
        typer.echo("the master key is not in the backup: keep a copy of it elsewhere")


def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder `batchjudge backup` made.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace a database that holds data, and a different master key."
        ),
    ] = False,
) -> None:
    """Restore a backup into the configured database and test-data store."""
    settings = context_settings(ctx)
    with user_errors():
        summary = restore_backup(settings, _data_dir(settings), path, force=force)
    manifest = summary.manifest
    rows = sum(summary.tables.get(name, 0) for name in manifest.tables)
    typer.echo(
        f"restored {_plural(rows, 'row')} in {_plural(len(manifest.tables), 'table')} and "
        f"{_plural(summary.blobs, 'blob')} ({summary.blobs_copied} copied) from "
        f"{path.resolve()}, taken {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC at revision "
        f"{manifest.alembic_revision}"
    )
    for note in summary.notes:
        typer.echo(f"note: {note}")
    typer.echo("next: run `batchjudge db upgrade` (a no-op when the schema is current)")

"""SQLite snapshots and restores through SQLite's online backup API, which copies a
consistent database while the server keeps reading and writing it."""

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url

from batchjudge.domain.errors import ConfigError
from batchjudge.services.backup_tables import TableContents, read_contents

#: How long to wait for a writer's lock before giving up, in milliseconds; the same
#: patience the service itself has (db.engine).
_BUSY_MS = 30_000


def sqlite_file(url: str) -> Path:
    """The database file a `sqlite:///...` URL names.

    Raises:
        ConfigError: the URL names an in-memory database, which has nothing to back up.
    """
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database).resolve()


@contextmanager
def _sqlite_errors(action: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise ConfigError(f"{action}: SQLite: {exc}") from exc


def _open(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    connection = sqlite3.connect(uri, uri=True)
    connection.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    return connection


def contents_of_file(path: Path, *, read_only: bool = True) -> TableContents:
    """The revision and row counts of the SQLite file at `path` (opened without the
    service's WAL switch-over, so a backup copy stays one file)."""
    engine = create_engine("sqlite://", creator=lambda: _open(path, read_only=read_only))
    try:
        with engine.connect() as connection:
            return read_contents(connection)
    finally:
        engine.dispose()


def snapshot_sqlite(url: str, destination: Path) -> TableContents:
    """Copy the live database at `url` into the new file `destination`, consistently.

    Raises:
        ConfigError: there is no database file, or SQLite failed.
    """
    live = sqlite_file(url)
    if not live.is_file():
        raise ConfigError(f"there is no database at {live}")
    with _sqlite_errors(f"cannot back up {live}"):
        with closing(_open(live)) as source, closing(sqlite3.connect(destination)) as copy:
            # All pages in one step: one read transaction, so one point in time; in WAL
            # mode the server's writers carry on meanwhile.
            source.backup(copy)
            # A single self-contained file: no -wal or -shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        return contents_of_file(destination)


def contents_of_target(url: str) -> TableContents:
    """What the database at `url` holds now (nothing when the file does not exist)."""
    target = sqlite_file(url)
    if not target.exists():
        return TableContents(None, {})
    with _sqlite_errors(f"cannot read {target}"):
        return contents_of_file(target, read_only=False)


def restore_sqlite(copy: Path, url: str) -> None:
    """Replace the database at `url` with the SQLite file `copy`. A server using it keeps
    working: the backup API writes under SQLite's own lock, and its next read sees the
    restored pages (a WAL database stays in WAL mode).

    Raises:
        ConfigError: SQLite failed (nothing changed: the copy is one transaction).
    """
    target = sqlite_file(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        _sqlite_errors(f"cannot restore into {target}"),
        closing(_open(copy, read_only=True)) as source,
        closing(_open(target)) as destination,
    ):
        source.backup(destination)

"""PostgreSQL snapshots (pg_dump in an exported snapshot) and restores (one psql
transaction that locks every table first, so a live server cannot deadlock it)."""

import tempfile
import time
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from batchjudge.db.engine import make_engine
from batchjudge.domain.errors import ConfigError
from batchjudge.services.backup_pg_tools import (
    conninfo_with_password,
    pg_tool,
    run_tool,
    server_major,
)
from batchjudge.services.backup_tables import TableContents, read_contents

#: How long the restore waits for the server's transactions to let go of a table before
#: it backs off and tries again: far below PostgreSQL's deadlock_timeout (1 s), so the
#: restore, not a request, is the one that yields.
_LOCK_WAIT_MS = 200
#: How long the restore keeps trying to lock the tables before giving up.
_LOCK_PATIENCE_S = 120.0
_LOCK_TIMEOUT_ERROR = "lock timeout"


def snapshot_postgres(url: str, destination: Path) -> TableContents:
    """Dump the database at `url` into `destination` (pg_dump's custom format) and count
    its rows, both in one exported snapshot, so the counts describe the dump exactly.

    Raises:
        ConfigError: pg_dump is missing or failed.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot: str = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                contents = read_contents(connection)
                tool = pg_tool("pg_dump", server_major(connection))
                # The snapshot stays importable while this transaction is open.
                with conninfo_with_password(url) as conninfo:
                    command = [tool, "--format=custom", "--snapshot", snapshot]
                    run_tool(
                        [*command, "--file", str(destination), "--dbname", conninfo], "pg_dump"
                    )
        return contents
    finally:
        engine.dispose()


def contents_of_target(url: str) -> TableContents:
    """What the database at `url` holds now."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return read_contents(connection)
    finally:
        engine.dispose()


def restore_postgres(dump: Path, url: str, tables: Collection[str]) -> None:
    """Replace the contents of the database at `url` with the pg_dump archive `dump`,
    whose tables are `tables`, in one transaction: a failure changes nothing.

    The transaction first locks every table the database has, all at once, waiting at
    most a moment for each (and retrying): a restore that took its locks one table at a
    time, as pg_restore does, deadlocks with a live server's requests. Tables the archive
    lacks (added by a newer migration) are dropped, so the database ends up as the
    backup was, and `batchjudge db upgrade` can bring it forward.

    Raises:
        ConfigError: a client program is missing or failed, or the tables stayed busy
            for `_LOCK_PATIENCE_S`.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            major = server_major(connection)
            present = _qualified_tables(engine, connection)
        with tempfile.TemporaryDirectory(prefix="bj-restore-") as scratch:
            steps = _write_steps(Path(scratch), present, tables)
            script = Path(scratch) / "restore.sql"
            options = ["--clean", "--if-exists", "--no-owner", "--no-privileges"]
            restore = pg_tool("pg_restore", major)
            run_tool([restore, *options, "--file", str(script), str(dump)], "pg_restore")
            files = [steps[0], script, steps[1]]
            with conninfo_with_password(url) as conninfo:
                _run_in_one_transaction(pg_tool("psql", major), conninfo, files)
    finally:
        engine.dispose()


def _qualified_tables(engine: Engine, connection: Connection) -> dict[str, str]:
    """The tables the database has, by name, each with its quoted, schema-qualified name
    (the restore script empties the search path)."""
    quote = engine.dialect.identifier_preparer.quote
    schema = engine.dialect.default_schema_name
    names = engine.dialect.get_table_names(connection, schema=schema)
    prefix = f"{quote(schema)}." if schema else ""
    return {name: prefix + quote(name) for name in names}


def _write_steps(folder: Path, present: dict[str, str], kept: Collection[str]) -> list[Path]:
    """The SQL run before the restore script (lock every table) and after it (drop the
    tables the backup lacks)."""
    before = folder / "lock.sql"
    lines = [f"SET LOCAL lock_timeout = '{_LOCK_WAIT_MS}ms';"]
    if present:
        lines.append(f"LOCK TABLE {', '.join(present.values())} IN ACCESS EXCLUSIVE MODE;")
    lines.append("SET LOCAL lock_timeout = 0;")
    before.write_text("\n".join(lines) + "\n", encoding="utf-8")
    after = folder / "drop.sql"
    extra = [
        f"DROP TABLE IF EXISTS {present[name]} CASCADE;" for name in present if name not in kept
    ]
    after.write_text("\n".join(extra) + "\n", encoding="utf-8")
    return [before, after]


def _run_in_one_transaction(psql: str, conninfo: str, files: list[Path]) -> None:
    command = [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--output", "/dev/null"]
    command += ["--set", "ON_ERROR_STOP=1", "--dbname", conninfo]
    for file in files:
        command += ["--file", str(file)]
    deadline = time.monotonic() + _LOCK_PATIENCE_S
    while True:
        try:
            run_tool(command, "psql")
            return
        except ConfigError as exc:
            if _LOCK_TIMEOUT_ERROR not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise ConfigError(
                    f"the server kept the tables busy for {_LOCK_PATIENCE_S:.0f} s: stop it "
                    "and restore again"
                ) from exc
        time.sleep(0.05)

"""The PostgreSQL client programs (pg_dump, pg_restore, psql): finding a suitable one,
and connecting it to the database our SQLAlchemy URL names."""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, make_url, text

from batchjudge.domain.errors import ConfigError
from batchjudge.execution.local.process import run_plain

#: A dump or restore that takes longer than this is stuck, not slow.
_TOOL_TIMEOUT_S = 6 * 3600
#: Where Debian and Ubuntu install each major version's client programs.
_VERSIONED_BIN = "/usr/lib/postgresql/{major}/bin/{name}"
_TOOL_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")


def _quote(value: str) -> str:
    """A libpq connection-string value: single-quoted, `\\` and `'` escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def libpq_conninfo(url: str) -> tuple[str, str | None]:
    """The libpq connection string for a SQLAlchemy PostgreSQL URL, without the
    password, and the password apart (it must not appear on a command line)."""
    parsed = make_url(url)
    params: dict[str, str] = {}
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = str(parsed.port)
    if parsed.username:
        params["user"] = parsed.username
    if parsed.database:
        params["dbname"] = parsed.database
    # The query string of a psycopg URL holds libpq keywords already (sslmode=...).
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return " ".join(f"{key}={_quote(value)}" for key, value in params.items()), parsed.password


@contextmanager
def conninfo_with_password(url: str) -> Iterator[str]:
    """The connection string; a password goes through a private passfile that lives only
    as long as the block, never through argv (which `ps` shows) or our environment."""
    conninfo, password = libpq_conninfo(url)
    if password is None:
        yield conninfo
        return
    descriptor, name = tempfile.mkstemp(prefix="bj-pgpass-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as passfile:
            escaped = password.replace("\\", "\\\\").replace(":", "\\:")
            passfile.write(f"*:*:*:*:{escaped}\n")
        yield f"{conninfo} passfile={_quote(name)}"
    finally:
        Path(name).unlink(missing_ok=True)


def server_major(connection: Connection) -> int:
    """The major version of the server `connection` talks to (15 for 15.4)."""
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def run_tool(argv: list[str], tool: str) -> None:
    """Run a client program to the end.

    Raises:
        ConfigError: it failed (with the first line it wrote to stderr).
    """
    result = run_plain(argv, _TOOL_TIMEOUT_S)
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigError(f"{tool} failed: {lines[0] if lines else f'exit {result.returncode}'}")


def pg_tool(name: str, server_major: int) -> str:
    """The client program `name` (pg_dump, pg_restore, psql) for a server of major
    version `server_major`: that version's own, else one on the PATH at least as new.

    Raises:
        ConfigError: none is installed, or only an older one.
    """
    versioned = Path(_VERSIONED_BIN.format(major=server_major, name=name))
    if versioned.is_file():
        return str(versioned)
    found = shutil.which(name)
    hint = f"install postgresql-client-{server_major}"
    if found is None:
        raise ConfigError(f"{name} is not installed: {hint}")
    banner = run_plain([found, "--version"], 30).stdout.decode(errors="replace")
    match = _TOOL_VERSION.search(banner)
    if match is None or int(match.group(1)) < server_major:
        raise ConfigError(f"{found} is older than the PostgreSQL {server_major} server: {hint}")
    return found

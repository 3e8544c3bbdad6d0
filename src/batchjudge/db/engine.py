"""Database engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: How long a SQLite writer waits for the lock before failing, in milliseconds.
_SQLITE_BUSY_MS = 30_000


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    # WAL lets readers (the API) work while a grading worker writes; foreign keys are off
    # by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def database_url(configured: str | None, data_dir: Path) -> str:
    """The configured URL, or the embedded default: a SQLite file in the data dir."""
    return configured or f"sqlite:///{data_dir / 'batchjudge.sqlite3'}"


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite set up for concurrent use."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine, keyring: object | None = None) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit. `keyring` (a
    `crypto.keyring.MasterKeyring`) seals and opens submission sources in every session
    (see `services.sealed_text`); without one they are stored plain."""
    info = {} if keyring is None else {"batchjudge.keyring": keyring}
    return sessionmaker(engine, expire_on_commit=False, info=info)

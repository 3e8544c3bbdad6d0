"""What every command shares: the settings in the context and the user-error boundary."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.db.engine import database_url, make_engine, make_session_factory
from batchjudge.db.migrate import is_current
from batchjudge.domain.errors import BatchjudgeError, ConfigError
from batchjudge.execution.factory import resolve_data_dir
from batchjudge.settings import Settings

#: Exit status for a problem the user must fix (bad input, unknown language...).
USAGE_ERROR = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn our own errors into one `error: ...` line and exit status 2."""
    try:
        yield
    except BatchjudgeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USAGE_ERROR) from None


def refuse_to_start(problems: list[str]) -> None:
    """Print each reason a long-running command must not start, and exit if any."""
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(USAGE_ERROR)


def context_settings(ctx: typer.Context) -> Settings:
    """The settings the root callback loaded."""
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def cli_database_url(settings: Settings) -> str:
    """The database the service uses: same data dir, same fallback."""
    return database_url(settings.database_url, cli_data_dir(settings))


def cli_data_dir(settings: Settings) -> Path:
    """The service's data dir, created if missing."""
    try:
        data_dir = resolve_data_dir(settings)
    except ConfigError:
        # A data dir out of the sandbox users' reach is refused by `serve`, but the
        # database alone does not need them: database commands still work there.
        data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


@contextmanager
def current_database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database, which must be up to date; database failures
    become one-line ConfigErrors."""
    url = cli_database_url(settings)
    try:
        if not is_current(url):
            raise ConfigError("the database is not up to date: run `batchjudge db upgrade`")
        engine = make_engine(url)
        try:
            yield make_session_factory(engine, MasterKeyring(settings, cli_data_dir(settings)))
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise ConfigError(f"database error: {str(exc).splitlines()[0]}") from exc

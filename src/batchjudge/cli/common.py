"""What every command shares: the settings in the context and the user-error boundary."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from batchjudge.domain.errors import BatchjudgeError
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


def context_settings(ctx: typer.Context) -> Settings:
    """The settings the root callback loaded."""
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings

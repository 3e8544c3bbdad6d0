"""`batchjudge privacy`: export a user's data, or erase it."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from batchjudge.cli.common import context_settings, current_database, user_errors
from batchjudge.domain.errors import InvalidInputError
from batchjudge.services.actor import Actor
from batchjudge.services.audited_accounts import user_id_of
from batchjudge.services.privacy import delete_user, export_user

privacy_app = typer.Typer(help="Privacy requests: a user's data export, or its erasure.")


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner alone (mode 0600, also when the file
    existed with a wider mode)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text)


@privacy_app.command("export")
def privacy_export_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="The user's name.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Where to write (default: <user>-export.json)."),
    ] = None,
) -> None:
    """Write everything held about a user to a JSON file only you can read."""
    settings = context_settings(ctx)
    target = output or Path(f"{user}-export.json")
    with user_errors(), current_database(settings) as sessions, sessions.begin() as session:
        document = export_user(session, user_id_of(session, user), Actor.cli())
        _write_private(target, json.dumps(document, ensure_ascii=False, indent=2))
    typer.echo(f"wrote the data of user {user} to {target}")


@privacy_app.command("delete")
def privacy_delete_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="The user's name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a user's personal data; their anonymised submissions stay for the figures."""
    settings = context_settings(ctx)
    with user_errors():
        if not yes:
            if not sys.stdin.isatty():
                raise InvalidInputError("erasure cannot be undone: pass --yes to confirm")
            typed = typer.prompt(f"This erases {user}'s personal data for good. Type the name")
            if typed != user:
                raise InvalidInputError("the name typed differs: nothing was erased")
        with current_database(settings) as sessions, sessions.begin() as session:
            erasure = delete_user(session, user_id_of(session, user), Actor.cli())
    if erasure.already_erased:
        typer.echo(f"user {user} was erased already; nothing more to erase")
        return
    typer.echo(
        f"erased user {user}, now {erasure.name}: {erasure.submissions} submissions, "
        f"{erasure.judge0_submissions} Judge0 submissions, {erasure.feedback} ratings kept "
        f"without comments, {erasure.tokens_revoked} tokens revoked, "
        f"{erasure.sessions_ended} browser sessions ended"
    )

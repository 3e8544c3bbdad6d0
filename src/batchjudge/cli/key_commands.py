"""`batchjudge keys`: the Judge0 API keys the judge0 backend spends."""

import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from batchjudge.cli.common import context_settings, current_database, user_errors
from batchjudge.cli.render import dumps
from batchjudge.domain.errors import ConfigError
from batchjudge.execution.factory import resolve_data_dir
from batchjudge.judge0.master_key import create_master_key_file, load_key_cipher
from batchjudge.services.actor import Actor
from batchjudge.services.audited_judge0_keys import add_key, record_rotation, retire_key
from batchjudge.services.judge0_keys import (
    DEFAULT_DAILY_QUOTA,
    MAX_DAILY_QUOTA,
    MAX_KEY_CHARS,
    KeyStatus,
    list_keys,
    rotate_master_key,
)

keys_app = typer.Typer(help="Manage the Judge0 API keys (encrypted under the master key).")

#: What the operator must do with a new master key that only they can store.
_ENVIRONMENT_STEPS = """\
The master key comes from BATCHJUDGE_MASTER_KEY, so batchjudge cannot store the new one.
New master key (shown only this once; store it in your secret manager now):

  {key}

1. Set BATCHJUDGE_MASTER_KEY to the new key, and BATCHJUDGE_MASTER_KEY_PREVIOUS to the
   old value, wherever batchjudge runs; then restart every batchjudge process.
2. If this command ends with "re-encrypted", the old key decrypts nothing any more:
   remove BATCHJUDGE_MASTER_KEY_PREVIOUS (and destroy the old key) after the restart.
   If it ends with an error, nothing changed: keep the old key and discard this one."""


def _read_secret() -> str:
    """The key from stdin (a pipe or file) or a hidden prompt; never from the command
    line, where shell history and `ps` would keep it."""
    if sys.stdin is not None and sys.stdin.isatty():
        secret: str = typer.prompt("Judge0 API key", hide_input=True)
        return secret
    text = sys.stdin.read(MAX_KEY_CHARS * 4) if sys.stdin is not None else ""
    if not text.strip():
        raise ConfigError("no key on stdin: pipe it in, or run in a terminal to be prompted")
    return text


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "-"


def _status_json(status: KeyStatus) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "label": status.label,
        "key": status.masked,
        "daily_quota": status.daily_quota,
        "used_today": status.used_today,
        "remaining": status.remaining,
        "provider_remaining": status.provider_remaining,
        "exhausted_until": iso(status.exhausted_until),
        "retired": status.retired_at is not None,
        "retired_at": iso(status.retired_at),
        "last_used_at": iso(status.last_used_at),
        "created_at": iso(status.created_at),
    }


def _table(statuses: list[KeyStatus]) -> str:
    header = ("label", "key", "quota", "used", "left", "exhausted until", "retired")
    rows = [
        (
            s.label,
            s.masked,
            str(s.daily_quota),
            str(s.used_today),
            str(s.remaining),
            _when(s.exhausted_until),
            _when(s.retired_at),
        )
        for s in statuses
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2, 3, 4}
    return "\n".join(
        "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    )


@keys_app.command("add")
def keys_add_command(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="A unique name for the key, e.g. rapidapi-1.")],
    daily_quota: Annotated[
        int,
        typer.Option(min=1, max=MAX_DAILY_QUOTA, help="Calls a day the key may make."),
    ] = DEFAULT_DAILY_QUOTA,
) -> None:
    """Store a Judge0 API key read from stdin (or a hidden prompt), encrypted."""
    settings = context_settings(ctx)
    with user_errors(), current_database(settings) as sessions:
        cipher = load_key_cipher(settings, resolve_data_dir(settings))
        secret = _read_secret()  # once the rest is known to work, not to be typed in vain
        with sessions.begin() as session:
            status = add_key(session, Actor.cli(), cipher, label, secret, daily_quota)
    typer.echo(f"added Judge0 key {label!r} ({status.masked}), {daily_quota} calls a day")


@keys_app.command("list")
def keys_list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show every key by its last 4 characters, with today's use and quota."""
    settings = context_settings(ctx)
    with user_errors(), current_database(settings) as sessions, sessions() as session:
        statuses = list_keys(session)
    if as_json:
        typer.echo(dumps({"keys": [_status_json(status) for status in statuses]}))
    elif statuses:
        typer.echo(_table(statuses))
    else:
        typer.echo("no Judge0 keys: add one with `batchjudge keys add LABEL`")


@keys_app.command("retire")
def keys_retire_command(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="The key's label.")],
) -> None:
    """Stop using a key for good and erase its encrypted copy."""
    settings = context_settings(ctx)
    with user_errors(), current_database(settings) as sessions, sessions.begin() as session:
        status = retire_key(session, Actor.cli(), label)
    typer.echo(f"retired Judge0 key {label!r} ({status.masked})")


@keys_app.command("rotate-master")
def keys_rotate_master_command(ctx: typer.Context) -> None:
    """Generate a new master key and re-encrypt every stored key and sealed source under
    it; if cut short, run it again."""
    settings = context_settings(ctx)

    def announce(new_key: bytes) -> None:
        typer.echo(_ENVIRONMENT_STEPS.format(key=new_key.decode()))
        sys.stdout.flush()  # on screen before the commit makes the old key useless

    with user_errors(), current_database(settings) as sessions:
        rotation = rotate_master_key(sessions, settings, resolve_data_dir(settings), announce)
        with sessions.begin() as session:
            record_rotation(session, Actor.cli(), rotation.reencrypted)
    count = f"{rotation.reencrypted} Judge0 key{'' if rotation.reencrypted == 1 else 's'}"
    sources = f"{rotation.sources} source{'' if rotation.sources == 1 else 's'}"
    if rotation.path is None:
        typer.echo(f"{count} re-encrypted under the new master key, and {sources} sealed")
    else:
        typer.echo(
            f"{count} re-encrypted under a new master key, now in {rotation.path}, and "
            f"{sources} sealed; back it up again: copies of the old key decrypt nothing"
        )


@keys_app.command("init-master")
def keys_init_master_command(ctx: typer.Context) -> None:
    """Create the master key file (mode 0600): production never creates one by itself."""
    settings = context_settings(ctx)
    with user_errors():
        path = create_master_key_file(settings, resolve_data_dir(settings))
    typer.echo(f"created the master key file {path}; back it up apart from the database backups")

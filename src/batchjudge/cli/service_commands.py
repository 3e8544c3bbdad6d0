"""Commands around the service: serve, db upgrade, users create and set-password,
seed-demo."""

import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from alembic.util import CommandError
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from batchjudge.cli.common import (
    cli_database_url,
    context_settings,
    current_database,
    refuse_to_start,
    user_errors,
)
from batchjudge.db.accounts import Role
from batchjudge.db.migrate import head_revision, upgrade
from batchjudge.domain.errors import ConfigError
from batchjudge.monitoring.logging_setup import configure_logging
from batchjudge.service.app import create_app
from batchjudge.service.preflight import startup_problems
from batchjudge.services import audited_accounts
from batchjudge.services.actor import Actor
from batchjudge.services.demo import seed_demo, seed_demo_passwords
from batchjudge.services.package_limits import archive_limits
from batchjudge.services.passwords import Passwords
from batchjudge.storage.blobs import BlobStore

#: How to try the demo with curl (TOKEN is replaced by the student's token).
TRY_IT = """try, once the server runs (problem 2 is the Average example):
  curl -s -H "Authorization: Bearer TOKEN" http://127.0.0.1:8000/api/v1/problems
  curl -s -H "Authorization: Bearer TOKEN" -H "Content-Type: application/json" \\
    -d '{"problem_id": 2, "language": "python3", "source": "def solve():\\n    n = int(input())\\n    print(sum(map(float, input().split())) / n)\\n"}' \\
    http://127.0.0.1:8000/api/v1/submissions
  curl -s -N -H "Authorization: Bearer TOKEN" http://127.0.0.1:8000/api/v1/submissions/1/events"""  # noqa: E501 - a command to copy

#: Seconds open connections (live result streams) get when the server is stopped.
SHUTDOWN_GRACE_S = 10

db_app = typer.Typer(help="Manage the service's database.")


@db_app.command("upgrade")
def db_upgrade_command(ctx: typer.Context) -> None:
    """Apply every database migration not applied yet."""
    settings = context_settings(ctx)
    with user_errors():
        url = cli_database_url(settings)
        try:
            upgrade(url)
        except SQLAlchemyError as exc:
            raise ConfigError(
                f"cannot upgrade the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from exc
        except CommandError as exc:
            # A revision this code does not know: a newer batchjudge migrated the database.
            raise ConfigError(
                f"cannot upgrade the database: {exc}; a newer batchjudge has migrated it: "
                "run that version, or restore the backup taken before its upgrade"
            ) from exc
    typer.echo(
        f"database {make_url(url).render_as_string(hide_password=True)} "
        f"is at revision {head_revision()}"
    )


users_app = typer.Typer(help="Manage accounts.")


@users_app.command("create")
def users_create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A unique user name.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")] = Role.STUDENT,
    institution: Annotated[
        str | None, typer.Option(help="Institution (created when missing).")
    ] = None,
) -> None:
    """Create a user and print their API token (shown only this once)."""
    settings = context_settings(ctx)
    with user_errors(), current_database(settings) as sessions, sessions.begin() as session:
        user, token = audited_accounts.create_user(session, Actor.cli(), name, role, institution)
        user_id = user.id
    typer.echo(f"user {name} (id {user_id}, {role.value}); API token: {token}")


@users_app.command("set-password")
def users_set_password_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user's name.")],
) -> None:
    """Set the password a user signs in to the web UI with (asked for twice, or read from
    standard input when it is not a terminal); their browser sessions end."""
    settings = context_settings(ctx)
    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    with user_errors(), current_database(settings) as sessions, sessions.begin() as session:
        user_id = audited_accounts.user_id_of(session, name)
        audited_accounts.set_password(session, Actor.cli(), Passwords(), user_id, password)
    typer.echo(f"user {name} signs in with the new password")


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        bool,
        typer.Option(
            "--workers/--no-workers",
            help="Grade here too; --no-workers leaves grading to `batchjudge worker`.",
        ),
    ] = True,
) -> None:
    """Run the grading service (HTTP API, and grading workers unless --no-workers)."""
    settings = context_settings(ctx)
    refuse_to_start(startup_problems(settings, grading=workers))
    # Uvicorn's own lines (access log included) go through our handler and format.
    configure_logging(settings.log_format)
    uvicorn.run(
        create_app(settings, workers),
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        # Live result streams stay open until their submission is done: on SIGTERM,
        # give them this long, then close them, so a stop never waits for ever.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


def seed_demo_command(
    ctx: typer.Context,
    problems: Annotated[list[Path], typer.Argument(help="Problem package folders to import.")],
) -> None:
    """Create demo users and problems on the first run; print the demo tokens every run."""
    settings = context_settings(ctx)
    with user_errors():
        data_dir = settings.data_dir.resolve()
        with current_database(settings) as sessions:
            tokens = seed_demo(
                sessions,
                BlobStore(settings.blob_root(data_dir)),
                data_dir / "demo-tokens.json",
                problems,
                archive_limits(settings),
            )
            passwords = seed_demo_passwords(sessions, Passwords(), data_dir / "demo-passwords.json")
    typer.echo(
        f"demo users (kept in {data_dir / 'demo-tokens.json'} and demo-passwords.json); "
        "sign in at http://127.0.0.1:8000/login"
    )
    typer.echo(f"  {'role':<8} {'name':<13} {'password':<14} API token")
    for role, token in tokens.items():
        typer.echo(f"  {role:<8} demo-{role:<8} {passwords.get(role, '-'):<14} {token}")
    student = tokens.get("student", "<token>")
    typer.echo(TRY_IT.replace("TOKEN", student))

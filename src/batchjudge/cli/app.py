"""The `batchjudge` Typer application and its error boundary."""

import logging
import sys

import typer
from typer.exceptions import TyperException

from batchjudge.cli.audit_commands import audit_app
from batchjudge.cli.backup_commands import backup_command, restore_command
from batchjudge.cli.common import USAGE_ERROR, user_errors
from batchjudge.cli.grading_commands import doctor_command, grade_command, languages_command
from batchjudge.cli.key_commands import keys_app
from batchjudge.cli.privacy_commands import privacy_app
from batchjudge.cli.service_commands import db_app, seed_demo_command, serve_command, users_app
from batchjudge.cli.worker_commands import worker_command
from batchjudge.monitoring.logging_setup import configure_logging
from batchjudge.settings import LogFormat, load_settings

#: Exit status for a failure of batchjudge itself.
INTERNAL_ERROR = 70

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Grade programs against problem packages, many tests per sandbox execution.",
)
app.command("grade")(grade_command)
app.command("languages")(languages_command)
app.command("doctor")(doctor_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("seed-demo")(seed_demo_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(privacy_app, name="privacy")


@app.callback()
def _configure(ctx: typer.Context) -> None:
    # Warnings (a reduced sandbox, a failed precompiled header) reach the user on stderr,
    # one line each: `warning: …`, or JSON with BATCHJUDGE_LOG_FORMAT=json.
    configure_logging(LogFormat.TEXT, logging.WARNING, brief=True)
    with user_errors():
        ctx.obj = load_settings()
    configure_logging(ctx.obj.log_format, logging.WARNING, brief=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure is one line on stderr, never a traceback."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        args = ["--help"]
    try:
        status = app(args, prog_name="batchjudge", standalone_mode=False)
    except TyperException as exc:  # usage errors: a bad option, a missing argument...
        context = getattr(exc, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        message = " ".join(exc.format_message().split())
        print(f"error: {message}{hint}", file=sys.stderr)
        sys.exit(USAGE_ERROR)
    except Exception as exc:  # the boundary of last resort: one line, no traceback
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(INTERNAL_ERROR)
    sys.exit(status if isinstance(status, int) else 0)

"""`batchjudge worker`: grading without HTTP, for several machines."""

from typing import Annotated

import typer

from batchjudge.cli.common import context_settings, refuse_to_start, user_errors
from batchjudge.monitoring.logging_setup import configure_logging
from batchjudge.service.preflight import startup_problems
from batchjudge.service.worker_process import run_worker


def worker_command(
    ctx: typer.Context,
    slots: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Jobs run at once (default: BATCHJUDGE_SANDBOX_SLOTS)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Shown in health and /judge0/workers (default: host:pid).")
    ] = None,
) -> None:
    """Grade submissions from the job queues, with no HTTP; stops on SIGTERM."""
    settings = context_settings(ctx)
    refuse_to_start(startup_problems(settings, slots=slots))
    configure_logging(settings.log_format)

    def say(line: str) -> None:
        typer.echo(line)

    with user_errors():
        run_worker(settings, slots or settings.sandbox_slots, name, say)

"""The `batchjudge` Typer application and its error boundary."""

import asyncio
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from typer.exceptions import TyperException

from batchjudge.cli.render import dumps, report_json, report_text
from batchjudge.db.engine import database_url
from batchjudge.db.migrate import head_revision, upgrade
from batchjudge.domain.errors import BatchjudgeError, ConfigError, SubmissionError
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.factory import build_sandbox, local_backend, resolve_data_dir
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.selftest import run_selftest
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.package import load_problem
from batchjudge.settings import Settings, load_settings

#: Exit status for a problem the user must fix (bad input, unknown language...).
USAGE_ERROR = 2
#: Exit status for a failure of batchjudge itself.
INTERNAL_ERROR = 70

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Grade programs against problem packages, many tests per sandbox execution.",
)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except BatchjudgeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USAGE_ERROR) from None


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@app.callback()
def _configure(ctx: typer.Context) -> None:
    # Warnings (a reduced sandbox, a failed precompiled header) reach the user on stderr.
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    with _user_errors():
        ctx.obj = load_settings()


def _read_source(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{path} is not UTF-8 text") from exc


@app.command("grade")
def grade_command(
    ctx: typer.Context,
    problem_dir: Annotated[Path, typer.Argument(help="Problem package (Kattis layout).")],
    source: Annotated[Path, typer.Argument(help="The submission's source file.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Language id or alias.")] = None,
    style: Annotated[Style, typer.Option(help="Submission style.")] = Style.AUTO,
    mode: Annotated[Mode, typer.Option(help="Tests per execution.")] = Mode.AUTO,
    stop_on_failure: Annotated[bool, typer.Option(help="Skip the rest after a failure.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Grade SOURCE against every test of PROBLEM_DIR."""
    settings = _settings(ctx)
    with _user_errors():
        registry = LanguageRegistry.load(settings.extra_language_dirs)
        problem = load_problem(problem_dir)
        bundle = registry.get(lang) if lang else registry.for_file(source)
        submission = Submission(bundle, _read_source(source), style)
        options = GradeOptions(
            mode=mode,
            stop_on_failure=stop_on_failure,
            multi_test_enabled=settings.multi_test_enabled,
            max_tests_per_execution=settings.max_tests_per_execution or None,
        )

        async def _grade() -> str:
            async with local_backend(settings) as backend:
                report = await grade(problem, submission, backend, registry, options)
            return dumps(report_json(report)) if as_json else report_text(report)

        typer.echo(asyncio.run(_grade()))


@app.command("languages")
def languages_command(ctx: typer.Context) -> None:
    """Run every language's self-test in the sandbox and list the results."""
    settings = _settings(ctx)
    with _user_errors():
        registry = LanguageRegistry.load(settings.extra_language_dirs)

        async def _check() -> list[str]:
            lines = []
            async with local_backend(settings) as backend:
                for bundle in registry.bundles():
                    result = await run_selftest(bundle, backend, registry)
                    judge0 = bundle.spec.judge0_id or "-"
                    lines.append(
                        f"{result.language_id:<11} {judge0!s:>6}  {result.display_name:<32} "
                        f"{'ok  ' if result.ok else 'FAIL'} {result.wall_time_s:6.2f} s"
                        + ("" if result.ok else f"  {result.detail}")
                    )
            return lines

        lines = asyncio.run(_check())
    typer.echo(f"{'id':<11} {'judge0':>6}  {'language':<32} self-test")
    typer.echo("\n".join(lines))
    if any(" FAIL " in line for line in lines):
        raise typer.Exit(1)


@app.command("doctor")
def doctor_command(ctx: typer.Context) -> None:
    """Report which isolation the sandbox has in force here, and why."""
    settings = _settings(ctx)
    with _user_errors():
        sandbox = build_sandbox(settings, resolve_data_dir(settings))
        try:
            typer.echo(sandbox.strength().describe())
        finally:
            asyncio.run(sandbox.aclose())


db_app = typer.Typer(help="Manage the service's database.")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade_command(ctx: typer.Context) -> None:
    """Apply every database migration not applied yet."""
    settings = _settings(ctx)
    with _user_errors():
        data_dir = settings.data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        url = database_url(settings.database_url, data_dir)
        try:
            upgrade(url)
        except SQLAlchemyError as exc:
            raise ConfigError(
                f"cannot upgrade the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from exc
    typer.echo(
        f"database {make_url(url).render_as_string(hide_password=True)} "
        f"is at revision {head_revision()}"
    )


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

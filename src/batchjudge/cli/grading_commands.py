"""Commands around the engine: grade, languages, doctor."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from batchjudge.cli.common import context_settings, user_errors
from batchjudge.cli.grading_backends import grading_backends
from batchjudge.cli.render import dumps, report_json, report_text
from batchjudge.domain.errors import RemoteUnavailableError, SubmissionError
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.factory import build_sandbox, local_backend, resolve_data_dir
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.selftest import run_selftest
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.package import load_problem


def _read_source(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{path} is not UTF-8 text") from exc


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
    settings = context_settings(ctx)
    with user_errors():
        registry = LanguageRegistry.load(settings.extra_language_dirs)
        problem = load_problem(problem_dir)
        bundle = registry.get(lang) if lang else registry.for_file(source)
        submission = Submission(bundle, _read_source(source), style)
        options = GradeOptions(
            mode=mode,
            stop_on_failure=stop_on_failure,
            multi_test_enabled=settings.multi_test_enabled,
            max_tests_per_execution=settings.max_tests_per_execution or None,
            validator_timeout_s=settings.validator_timeout_s,
        )

        async def _grade() -> str:
            async with grading_backends(settings) as backends:
                try:
                    report = await grade(
                        problem,
                        submission,
                        backends.primary,
                        registry,
                        options,
                        checker_backend=backends.checker,
                    )
                except RemoteUnavailableError as exc:
                    if backends.fallback is None:
                        raise RemoteUnavailableError(
                            f"{exc}; with BATCHJUDGE_JUDGE0_FALLBACK=wait, try again later"
                        ) from exc
                    typer.echo(f"warning: {exc}; graded on the local sandbox", err=True)
                    report = await grade(problem, submission, backends.fallback, registry, options)
            return dumps(report_json(report)) if as_json else report_text(report)

        typer.echo(asyncio.run(_grade()))


def languages_command(ctx: typer.Context) -> None:
    """Run every language's self-test in the sandbox and list the results."""
    settings = context_settings(ctx)
    with user_errors():
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


def doctor_command(ctx: typer.Context) -> None:
    """Report which isolation the sandbox has in force here, and why."""
    settings = context_settings(ctx)
    with user_errors():
        sandbox = build_sandbox(settings, resolve_data_dir(settings))
        try:
            typer.echo(sandbox.strength().describe())
        finally:
            asyncio.run(sandbox.aclose())

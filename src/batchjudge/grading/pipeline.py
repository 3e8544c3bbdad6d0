"""grade(): compile once, run the tests in batches, check outputs, report."""

import time

from batchjudge.domain.errors import BackendError
from batchjudge.domain.reports import (
    CaseResult,
    CompileReport,
    ExecutionKind,
    ExecutionRecord,
    GradeReport,
)
from batchjudge.domain.styles import Mode
from batchjudge.domain.verdicts import Verdict, overall_verdict
from batchjudge.execution.backend import CompileRequest, ExecutionBackend
from batchjudge.grading.batches import RunTarget, call_records, run_tests
from batchjudge.grading.checking import OutputChecker
from batchjudge.grading.events import GradingObserver, NullObserver
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.submission import (
    Submission,
    command_variables,
    program_files,
    resolve_style,
)
from batchjudge.grading.validators import build_checker
from batchjudge.languages.commands import render_command
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.languages.spec import LanguageSpec
from batchjudge.problems.model import Problem


class _CompileReportedFirst:
    """Passes events on, reporting a deferred compile as successful just before the first
    test's result (a compile error is reported by `grade` itself)."""

    def __init__(self, inner: GradingObserver, report: CompileReport) -> None:
        self._inner = inner
        self._report: CompileReport | None = report

    async def compiled(self, report: CompileReport) -> None:
        self._report = None
        await self._inner.compiled(report)

    async def test_finished(self, position: int, result: CaseResult) -> None:
        if self._report is not None:
            report, self._report = self._report, None
            await self._inner.compiled(report)
        await self._inner.test_finished(position, result)


def choose_mode(requested: Mode, options: GradeOptions, spec: LanguageSpec) -> Mode:
    """Multi unless the site or the language forbids it; an explicit choice is kept."""
    allowed = options.multi_test_enabled and spec.multi_test
    if requested is Mode.SINGLE or not allowed:
        return Mode.SINGLE
    return Mode.MULTI


async def grade(
    problem: Problem,
    submission: Submission,
    backend: ExecutionBackend,
    registry: LanguageRegistry,
    options: GradeOptions,
    observer: GradingObserver | None = None,
    checker_backend: ExecutionBackend | None = None,
    checker: OutputChecker | None = None,
) -> GradeReport:
    """Grade `submission` against every test of `problem`; `observer` hears of the compile
    and of each test's result as they happen. A custom output validator runs on
    `checker_backend` (default: `backend`): it is the problem's trusted code, and a remote
    backend would bill a call per check. `checker`, when given, judges every output
    instead of the problem's own validation (the Judge0 API compares as Judge0 does).

    Infrastructure failures become verdict IE with a message; they are never raised.
    A remote backend that cannot take work at all raises `RemoteUnavailableError`, so
    the caller can apply its fallback.
    """
    events = observer or NullObserver()
    started = time.monotonic()
    bundle = submission.language
    spec = bundle.spec
    style = resolve_style(submission)
    mode = choose_mode(options.mode, options, spec)
    source_name, files = program_files(submission)
    variables = command_variables(source_name, style, problem.limits.memory_mb, spec.run.stack_mb)

    def report(verdict: Verdict, tests: list[CaseResult], message: str = "") -> GradeReport:
        return GradeReport(
            verdict=verdict,
            language=spec.id,
            style=style,
            mode=mode,
            compile=compile_report,
            tests=tuple(tests),
            wall_time_s=time.monotonic() - started,
            executions=tuple(executions),
            message=message,
        )

    executions: list[ExecutionRecord] = []
    compile_report = CompileReport(ok=False, time_s=0.0, output="", cached=False)
    try:
        compiled = await backend.compile(CompileRequest(bundle, files, spec.compile, variables))
    except BackendError as exc:
        return report(Verdict.IE, [], f"compile step failed: {exc}")
    compile_report = CompileReport(compiled.ok, compiled.time_s, compiled.output, compiled.cached)
    executions.extend(call_records(compiled.calls, ()))
    if compiled.deferred:
        # Nothing is compiled yet: the first run tells, so the compile is reported then.
        events = _CompileReportedFirst(events, compile_report)
    else:
        await events.compiled(compile_report)
        if not compiled.cached and spec.compile is not None:
            executions.append(ExecutionRecord(ExecutionKind.COMPILE, (), compiled.time_s))
    if not compiled.ok or compiled.program is None:
        return report(Verdict.CE, [], "compilation failed")

    try:
        checker = checker or await build_checker(
            problem, checker_backend or backend, registry, options.validator_timeout_s
        )
    except BackendError as exc:
        ie = [CaseResult(case.name, Verdict.IE, message=str(exc)) for case in problem.cases]
        for position, result in enumerate(ie):
            await events.test_finished(position, result)
        return report(Verdict.IE, ie, str(exc))
    target = RunTarget(bundle, compiled.program, render_command(spec.run.command, variables))
    batch_size = 1 if mode is Mode.SINGLE else (options.max_tests_per_execution or 1 << 30)
    state = await run_tests(problem, target, backend, checker, options, batch_size, events)
    executions.extend(state.executions)
    if state.compile_error is not None:
        compile_report = CompileReport(False, compiled.time_s, state.compile_error, False)
        await events.compiled(compile_report)
        return report(Verdict.CE, [], "compilation failed")
    tests = [state.results[index] for index in range(len(problem.cases))]
    return report(overall_verdict(t.verdict for t in tests), tests)

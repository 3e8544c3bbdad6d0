"""Running one Judge0 submission: languages we know go through our multi-test engine
(one compile, every test in one execution); multi-file programs run their scripts.

Outputs are judged as Judge0 judges them (`judge0.wire.outputs_match`), and verdicts
become Judge0 statuses through `judge0.statuses.status_for`.
"""

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from batchjudge.domain.reports import CaseResult, GradeReport
from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import CompileRequest, ExecutionBackend, RunRequest
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.outcome import ExecutionResult, Termination
from batchjudge.grading.checking import CheckOutcome
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.judge0.statuses import Judge0Status, status_for
from batchjudge.judge0.wire import decode_base64, outputs_match
from batchjudge.languages.registry import LanguageBundle, LanguageRegistry
from batchjudge.problems.model import CaseSpec, Problem, ProblemLimits, Validation
from batchjudge.services.judge0_api.archive import (
    COMPILE_SCRIPTS,
    RUN_SCRIPTS,
    script,
    unpack_archive,
)
from batchjudge.services.judge0_api.config import MULTI_FILE_LANGUAGE_ID, Judge0Config
from batchjudge.services.judge0_api.languages import bundle_for
from batchjudge.services.judge0_api.requests import Judge0Case, Judge0Request, to_bytes, to_text
from batchjudge.services.judge0_api.results import Judge0Result, Judge0Run, text_or_none

_MESSAGES = {
    Verdict.TLE: "Time limit exceeded",
    Verdict.MLE: "Memory limit exceeded",
    Verdict.OLE: "Output limit exceeded",
}


@dataclass(frozen=True)
class Judge0Runtime:
    """What running Judge0 submissions needs; `options` are the site's grading options."""

    backend: ExecutionBackend
    registry: LanguageRegistry
    multi_file: LanguageBundle
    options: GradeOptions
    config: Judge0Config


class Judge0Checker:
    """Judge0's comparison per test; a test without an expected output is accepted."""

    def __init__(self, expected: Sequence[str | None]) -> None:
        self._expected = expected

    async def check(self, index: int, output: bytes) -> CheckOutcome:
        """Right-strip every line and the whole text, then compare."""
        expected = self._expected[index]
        if expected is None or outputs_match(expected, to_text(output)):
            return CheckOutcome(Verdict.AC, "")
        return CheckOutcome(Verdict.WA, "")


def _megabytes(kilobytes: int) -> int:
    return max(1, math.ceil(kilobytes / 1024))


def _message(verdict: Verdict, exit_code: int | None, signal: int | None, other: str) -> str | None:
    if verdict in (Verdict.AC, Verdict.WA):
        return None
    if verdict in _MESSAGES:
        return _MESSAGES[verdict]
    if verdict is Verdict.RE and signal:
        return f"Caught fatal signal {signal}"
    if verdict is Verdict.RE and exit_code:
        return f"Exited with error status {exit_code}"
    return other or None


def _run(
    verdict: Verdict,
    streams: tuple[bytes, bytes],
    ending: tuple[int | None, int | None],
    usage: tuple[float, float | None, int],
    request: Judge0Request,
    other_message: str = "",
) -> Judge0Run:
    stdout, stderr = streams
    exit_code, signal = ending
    if request.redirect_stderr_to_stdout:
        stdout, stderr = stdout + stderr, b""
    time_s, wall_s, memory_kb = usage
    return Judge0Run(
        status_id=status_for(verdict, signal).value,
        stdout=text_or_none(to_text(stdout)),
        stderr=text_or_none(to_text(stderr)),
        message=_message(verdict, exit_code, signal, other_message),
        exit_code=exit_code if exit_code is not None and exit_code >= 0 else 0,
        exit_signal=signal or None,
        time=time_s,
        wall_time=wall_s,
        memory=memory_kb,
    )


def _case_run(case: CaseResult, request: Judge0Request) -> Judge0Run:
    output = case.output
    if output is None:
        return _run(
            case.verdict,
            (b"", b""),
            (None, None),
            (case.time_s, None, case.memory_kb),
            request,
            case.message,
        )
    return _run(
        case.verdict,
        (output.stdout, output.stderr),
        (output.exit_code, output.signal),
        (case.time_s, output.wall_time_s, case.memory_kb),
        request,
        case.message,
    )


def _engine_result(report: GradeReport, request: Judge0Request) -> Judge0Result:
    compile_output = text_or_none(report.compile.output)
    extension = request.test_cases is not None
    if report.verdict is Verdict.CE:
        run = Judge0Run(Judge0Status.COMPILATION_ERROR.value)
        return Judge0Result(run, compile_output, () if extension else None)
    if not report.tests:
        run = Judge0Run(Judge0Status.INTERNAL_ERROR.value, message=report.message or None)
        return Judge0Result(run, compile_output, () if extension else None)
    runs = [_case_run(case, request) for case in report.tests]
    accepted = Judge0Status.ACCEPTED.value
    deciding = next((run for run in runs if run.status_id != accepted), runs[0])
    return Judge0Result(deciding, compile_output, tuple(runs) if extension else None)


def _write_cases(folder: Path, cases: Sequence[Judge0Case]) -> tuple[CaseSpec, ...]:
    specs = []
    for index, case in enumerate(cases, start=1):
        stem = folder / f"{index:04d}"
        stem.with_suffix(".in").write_bytes(to_bytes(case.stdin or ""))
        stem.with_suffix(".ans").write_bytes(to_bytes(case.expected_output or ""))
        specs.append(
            CaseSpec(f"test/{index}", stem.with_suffix(".in"), stem.with_suffix(".ans"), False)
        )
    return tuple(specs)


async def run_with_engine(runtime: Judge0Runtime, request: Judge0Request) -> Judge0Result:
    """Grade a program in one of our languages: every test (one without `test_cases`)
    with a single compile, under the request's limits."""
    bundle = bundle_for(runtime.registry, request.language_id)
    cases = request.test_cases or (Judge0Case(request.stdin, request.expected_output),)
    options = replace(
        runtime.options,
        mode=Mode.AUTO,
        stop_on_failure=False,
        # Judge0's wall-time limit is absolute, not a multiple of the CPU limit.
        wall_factor=0.0,
        wall_extra_s=request.wall_time_limit,
        keep_output_bytes=request.max_file_size << 10,
    )
    limits = ProblemLimits(
        time_limit_s=request.cpu_time_limit,
        memory_mb=_megabytes(request.memory_limit),
        output_mb=_megabytes(request.max_file_size),
    )
    with tempfile.TemporaryDirectory(prefix="bj-judge0-") as folder:
        problem = Problem(
            name="judge0",
            root=Path(folder),
            limits=limits,
            validation=Validation(),
            cases=_write_cases(Path(folder), cases),
        )
        source = Submission(bundle, request.source_code or "", Style.PROGRAM)
        checker = Judge0Checker([case.expected_output for case in cases])
        report = await grade(
            problem, source, runtime.backend, runtime.registry, options, checker=checker
        )
    return _engine_result(report, request)


def _execution_verdict(result: ExecutionResult, request: Judge0Request) -> Verdict:
    if result.termination is Termination.TIME_LIMIT:
        return Verdict.TLE
    if result.termination is Termination.MEMORY_LIMIT:
        return Verdict.MLE
    if result.termination is Termination.OUTPUT_LIMIT:
        return Verdict.OLE
    if not result.succeeded:
        return Verdict.RE
    expected = request.expected_output
    if expected is None or outputs_match(expected, to_text(result.stdout)):
        return Verdict.AC
    return Verdict.WA


async def run_multi_file(runtime: Judge0Runtime, request: Judge0Request) -> Judge0Result:
    """Run a multi-file program: `bash compile` with the compile limits (when the zip has
    one), then `bash run` with the request's stdin and limits; stdout comes back as the
    script wrote it, up to `max_file_size`."""
    assert request.additional_files is not None
    files = unpack_archive(
        decode_base64(request.additional_files), runtime.config.max_extract_size << 10
    )
    bundle = runtime.multi_file
    compile_script = script(files, COMPILE_SCRIPTS)
    step = bundle.spec.compile
    if step is not None and compile_script is not None:
        step = step.model_copy(update={"command": ("/bin/bash", compile_script)})
    else:
        step = None
    compiled = await runtime.backend.compile(CompileRequest(bundle, files, step, {}))
    compile_output = text_or_none(compiled.output)
    if not compiled.ok or compiled.program is None:
        return Judge0Result(Judge0Run(Judge0Status.COMPILATION_ERROR.value), compile_output)
    limits = ResourceLimits(
        cpu_time_s=request.cpu_time_limit,
        wall_time_s=request.wall_time_limit,
        memory_mb=_megabytes(request.memory_limit),
        processes=request.max_processes_and_or_threads,
        output_bytes=request.max_file_size << 10,
    )
    run_script = script(files, RUN_SCRIPTS) or RUN_SCRIPTS[0]
    result = await runtime.backend.run(
        RunRequest(
            language=bundle,
            program=compiled.program,
            command=["/bin/bash", run_script],
            stdin=to_bytes(request.stdin or ""),
            limits=limits,
        )
    )
    run = _run(
        _execution_verdict(result, request),
        (result.stdout, result.stderr),
        (result.exit_code, result.signal),
        (result.cpu_time_s, result.wall_time_s, result.peak_memory_kb),
        request,
    )
    return Judge0Result(run, compile_output)


async def run_request(runtime: Judge0Runtime, request: Judge0Request) -> Judge0Result:
    """Run a stored request to its result. Infrastructure failures raise (BackendError)."""
    if request.language_id == MULTI_FILE_LANGUAGE_ID:
        return await run_multi_file(runtime, request)
    return await run_with_engine(runtime, request)


def internal_error(message: str) -> Judge0Result:
    """Status 13 with the reason as its message."""
    return Judge0Result(Judge0Run(Judge0Status.INTERNAL_ERROR.value, message=message))

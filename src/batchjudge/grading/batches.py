"""The multi-test engine: run pending tests in as few executions as possible.

A batch of tests goes to one execution of the driver. Every test that reports a frame
keeps its result. When the execution dies during test k, test k gets the verdict of that
death and the tests after it go to a new execution; nothing before k ever runs twice.

A remote backend may have to run a batch under lower limits than it needs (a Judge0
server's maxima). When such a limit ends the execution (`truncated`), test k is not
judged: it goes to the follow-up execution with the tests after it, unless it was the
first of its batch, where the limits already cover one test.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from batchjudge.domain.errors import BackendError, ProtocolError
from batchjudge.domain.reports import (
    CaseResult,
    ExecutionKind,
    ExecutionRecord,
    RemoteCall,
    TestOutput,
)
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import ExecutionBackend, Program, RunRequest
from batchjudge.grading.budget import batch_item, execution_limits
from batchjudge.grading.checking import OutputChecker
from batchjudge.grading.events import GradingObserver
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.outcomes import dead_execution_verdict, frame_failure
from batchjudge.languages.framing import BatchItem, Frame, encode_batch, new_nonce, parse_frames
from batchjudge.languages.registry import LanguageBundle
from batchjudge.problems.model import Problem

#: Characters of a sample test's output kept in its result for people to compare.
_PREVIEW_CHARS = 4096


@dataclass
class BatchRun:
    """Everything one submission's test runs produced so far."""

    results: dict[int, CaseResult] = field(default_factory=dict)
    executions: list[ExecutionRecord] = field(default_factory=list)
    compile_error: str | None = None

    def failed(self) -> bool:
        """A test already has a verdict other than AC."""
        return any(r.verdict is not Verdict.AC for r in self.results.values())


@dataclass(frozen=True)
class RunTarget:
    """The compiled program and how to start it."""

    language: LanguageBundle
    program: Program
    command: Sequence[str]


async def run_tests(
    problem: Problem,
    target: RunTarget,
    backend: ExecutionBackend,
    checker: OutputChecker,
    options: GradeOptions,
    batch_size: int,
    observer: GradingObserver,
) -> BatchRun:
    """Run every test of `problem`, `batch_size` at most per execution; `observer` hears
    of each test's result, in order, as soon as its execution has ended."""
    state = BatchRun()
    pending = list(range(len(problem.cases)))
    reported = 0
    while pending and state.compile_error is None:
        if options.stop_on_failure and state.failed():
            for index in pending:
                state.results[index] = CaseResult(problem.cases[index].name, Verdict.SKIPPED)
            pending = []
        else:
            batch = [batch_item(problem, index, options) for index in pending[:batch_size]]
            done = await _run_batch(problem, target, backend, checker, options, batch, state)
            pending = pending[done:]
        while reported in state.results:
            await observer.test_finished(reported, state.results[reported])
            reported += 1
    return state


async def _run_batch(
    problem: Problem,
    target: RunTarget,
    backend: ExecutionBackend,
    checker: OutputChecker,
    options: GradeOptions,
    batch: list[BatchItem],
    state: BatchRun,
) -> int:
    """Run one execution; return how many tests of `batch` now have a verdict."""
    nonce = new_nonce()
    names = tuple(problem.cases[item.index].name for item in batch)
    request = RunRequest(
        language=target.language,
        program=target.program,
        command=target.command,
        stdin=encode_batch(nonce, batch),
        limits=execution_limits(target.language.spec, problem, batch),
        expose_memory_events=True,
    )
    started = time.monotonic()
    try:
        result = await backend.run(request)
        parsed = parse_frames(result.stdout, nonce)
        if parsed.finished and len(parsed.frames) < len(batch):
            raise ProtocolError("driver finished without reporting every test")
        for item, frame in zip(batch, parsed.frames, strict=False):
            if frame.index != item.index:
                raise ProtocolError(f"driver reported test {frame.index}, expected {item.index}")
    except BackendError as exc:
        if exc.calls:
            state.executions.extend(call_records(exc.calls, ()))
        else:
            state.executions.append(
                ExecutionRecord(ExecutionKind.RUN, names, time.monotonic() - started)
            )
        for item in batch:
            state.results[item.index] = CaseResult(
                problem.cases[item.index].name, Verdict.IE, message=str(exc)
            )
        return len(batch)
    if result.compile_error is not None:
        # A backend that compiles with the first run (Judge0) found a compile error.
        state.executions.extend(call_records(result.calls, ()))
        state.compile_error = result.compile_error
        return len(batch)
    judges_dead_test = not result.truncated or not parsed.frames
    covered = min(len(parsed.frames) + (1 if judges_dead_test else 0), len(batch))
    if result.calls:
        state.executions.extend(call_records(result.calls, names[:covered]))
    else:
        state.executions.append(
            ExecutionRecord(ExecutionKind.RUN, names[:covered], result.wall_time_s)
        )
    for frame in parsed.frames[: len(batch)]:
        if options.stop_on_failure and state.failed():
            # The driver already ran it, but the user asked not to judge past a failure.
            state.results[frame.index] = CaseResult(
                problem.cases[frame.index].name, Verdict.SKIPPED
            )
        else:
            state.results[frame.index] = await _judge_frame(problem, frame, checker, options, state)
    if len(parsed.frames) >= len(batch):
        return len(batch)
    if options.stop_on_failure and state.failed():
        return len(parsed.frames)  # run_tests skips the rest, the dead test included
    if not judges_dead_test:
        return len(parsed.frames)  # the backend's own limit ended it: run the rest again
    item = batch[len(parsed.frames)]
    verdict, message = dead_execution_verdict(result, target.language.spec, options.stderr_keep)
    output = None
    if options.keep_output_bytes:
        keep = options.keep_output_bytes
        # The dead test's own stdout cannot be told apart from the framing; its stderr can.
        output = TestOutput(b"", result.stderr[:keep], None, result.signal, result.wall_time_s)
    state.results[item.index] = CaseResult(
        problem.cases[item.index].name,
        verdict,
        result.cpu_time_s,
        result.peak_memory_kb,
        message,
        output=output,
    )
    return len(parsed.frames) + 1


def call_records(calls: Sequence[RemoteCall], tests: tuple[str, ...]) -> list[ExecutionRecord]:
    """One record per billed request; the request that ran the tests covers `tests`."""
    kinds = {"create": ExecutionKind.RUN, "poll": ExecutionKind.POLL}
    kinds |= {"retry": ExecutionKind.RETRY, "discover": ExecutionKind.DISCOVER}
    return [
        ExecutionRecord(
            kinds.get(call.kind, ExecutionKind.RETRY),
            tests if call.kind == "create" else (),
            call.duration_s,
            call.outcome,
        )
        for call in calls
    ]


async def _judge_frame(
    problem: Problem,
    frame: Frame,
    checker: OutputChecker,
    options: GradeOptions,
    state: BatchRun,
) -> CaseResult:
    case = problem.cases[frame.index]
    preview = frame.stdout[:_PREVIEW_CHARS].decode("utf-8", "replace") if case.is_sample else None
    failure = frame_failure(frame, options.stderr_keep)
    if failure is None:
        try:
            outcome = await checker.check(frame.index, frame.stdout)
        except BackendError as exc:
            failure = (Verdict.IE, str(exc))
        else:
            if outcome.execution is not None:
                state.executions.append(outcome.execution)
            failure = (outcome.verdict, outcome.message)
    verdict, message = failure
    output = None
    if options.keep_output_bytes:
        keep = options.keep_output_bytes
        output = TestOutput(
            frame.stdout[:keep],
            frame.stderr[:keep],
            frame.exit_code,
            frame.signal or None,
            frame.wall_time_s,
        )
    return CaseResult(
        case.name,
        verdict,
        frame.cpu_time_s,
        frame.memory_kb,
        message,
        output_preview=preview,
        output=output,
    )

"""The engine over a backend that behaves like a remote judge: compile deferred to the
first run, limits capped below what a batch needs, billed requests recorded."""

import pytest

from batchjudge.domain.reports import ExecutionKind, RemoteCall
from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.fake import FakeBackend, FakeTest
from batchjudge.execution.outcome import Termination
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.problems.package import load_problem
from support.engine import RecordingObserver, echo, failing_on, run

CALLS = (
    RemoteCall("retry", 0.2, "503"),
    RemoteCall("create", 0.1, "201"),
    RemoteCall("poll", 0.05, "200"),
    RemoteCall("poll", 0.05, "200"),
)


@pytest.mark.anyio
async def test_a_deferred_compile_error_is_ce_and_reported_once(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo, compile_ok=False, deferred=True, calls=CALLS)
    observer = RecordingObserver(backend)
    problem = load_problem(make_problem(tests=4))
    submission = Submission(fake_language, "main", Style.AUTO)
    report = await grade(problem, submission, backend, fake_registry, GradeOptions(), observer)
    assert report.verdict is Verdict.CE
    assert report.tests == ()
    assert report.compile.ok is False
    assert "expected ';'" in report.compile.output
    assert observer.events == [("compiled", -1, "failed", 1)]
    assert len(backend.runs) == 1


@pytest.mark.anyio
async def test_a_deferred_compile_is_reported_before_the_first_test(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo, deferred=True)
    observer = RecordingObserver(backend)
    problem = load_problem(make_problem(tests=2))
    submission = Submission(fake_language, "main", Style.AUTO)
    report = await grade(problem, submission, backend, fake_registry, GradeOptions(), observer)
    assert report.verdict is Verdict.AC
    assert observer.events == [
        ("compiled", -1, "ok", 1),
        ("test", 0, "AC", 1),
        ("test", 1, "AC", 1),
    ]
    # Nothing was compiled on its own, so no compile execution is counted.
    assert all(e.kind is not ExecutionKind.COMPILE for e in report.executions)


@pytest.mark.anyio
async def test_capped_limits_send_the_missing_tests_again_without_judging_the_cut_one(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo, run_capacity=15)
    report = await run(make_problem, fake_language, fake_registry, backend, tests=40)
    assert [t.verdict for t in report.tests] == [Verdict.AC] * 40
    # 15 + 15 + 10 tests: the cut test is re-run, never given TLE.
    assert report.run_executions == 3
    assert [len(r.stdin) > 0 for r in backend.runs] == [True] * 3


@pytest.mark.anyio
async def test_capped_limits_keep_real_failures_and_their_verdicts(
    make_problem, fake_language, fake_registry
):
    behave = failing_on({5, 30}, FakeTest(kills_execution=Termination.SIGNALED))
    capped = FakeBackend(behave, run_capacity=15)
    alone = FakeBackend(behave)
    capped_report = await run(make_problem, fake_language, fake_registry, capped, tests=40)
    alone_report = await run(
        make_problem, fake_language, fake_registry, alone, tests=40, mode=Mode.SINGLE
    )
    assert [t.verdict for t in capped_report.tests] == [t.verdict for t in alone_report.tests]
    assert capped_report.tests[5].verdict is Verdict.RE


@pytest.mark.anyio
async def test_every_billed_request_becomes_an_execution_record(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo, calls=CALLS, deferred=True)
    report = await run(make_problem, fake_language, fake_registry, backend, tests=6)
    kinds = [e.kind for e in report.executions]
    assert kinds == [
        ExecutionKind.RETRY,
        ExecutionKind.RUN,
        ExecutionKind.POLL,
        ExecutionKind.POLL,
    ]
    run_record = report.executions[1]
    assert len(run_record.tests) == 6
    assert report.executions[0].outcome == "503"
    assert report.run_executions == 1

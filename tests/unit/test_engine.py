"""The multi-test engine over the FakeBackend: verdicts, execution counts, recovery."""

import pytest

from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.fake import FakeBackend, FakeTest
from batchjudge.execution.outcome import Termination
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.framing import FrameStatus
from batchjudge.problems.package import load_problem
from support.engine import RecordingObserver, echo, failing_on, run


@pytest.mark.anyio
async def test_passing_submission_uses_one_run_execution(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo)
    report = await run(make_problem, fake_language, fake_registry, backend)
    assert report.verdict is Verdict.AC
    assert [t.verdict for t in report.tests] == [Verdict.AC] * 40
    assert report.run_executions == 1
    assert report.mode is Mode.MULTI


@pytest.mark.anyio
async def test_wrong_answers_stay_in_one_execution(make_problem, fake_language, fake_registry):
    backend = FakeBackend(failing_on({3, 17}, FakeTest(output=b"nope")))
    report = await run(make_problem, fake_language, fake_registry, backend)
    verdicts = [t.verdict for t in report.tests]
    assert verdicts[3] is Verdict.WA
    assert verdicts[17] is Verdict.WA
    assert verdicts.count(Verdict.AC) == 38
    assert report.verdict is Verdict.WA
    assert report.run_executions == 1


@pytest.mark.parametrize(
    ("termination", "expected"),
    [
        (Termination.SIGNALED, Verdict.RE),
        (Termination.EXITED, Verdict.RE),
        (Termination.TIME_LIMIT, Verdict.TLE),
        (Termination.MEMORY_LIMIT, Verdict.MLE),
        (Termination.OUTPUT_LIMIT, Verdict.OLE),
    ],
)
@pytest.mark.anyio
async def test_execution_dying_on_k_tests_costs_at_most_k_plus_one(
    make_problem, fake_language, fake_registry, termination, expected
):
    bad = {0, 5, 20, 39}
    backend = FakeBackend(failing_on(bad, FakeTest(kills_execution=termination)))
    report = await run(make_problem, fake_language, fake_registry, backend)
    verdicts = [t.verdict for t in report.tests]
    assert [i for i, v in enumerate(verdicts) if v is not Verdict.AC] == sorted(bad)
    assert all(verdicts[i] is expected for i in bad)
    assert report.run_executions <= len(bad) + 1
    # No test before a crash runs twice: every execution starts right after the last death.
    starts = [int(r.stdin.split(b"\nT ", 2)[1].split(b" ")[0]) for r in backend.runs]
    assert starts == [0, 1, 6, 21]


@pytest.mark.anyio
async def test_driver_reported_failures_need_no_extra_execution(
    make_problem, fake_language, fake_registry
):
    statuses = {2: FrameStatus.TLE, 4: FrameStatus.MLE, 6: FrameStatus.OLE, 8: FrameStatus.RE}

    def behave(test_input: bytes) -> FakeTest:
        status = statuses.get(int(test_input), FrameStatus.OK)
        return FakeTest(output=test_input, status=status)

    report = await run(make_problem, fake_language, fake_registry, FakeBackend(behave), tests=10)
    verdicts = [t.verdict.value for t in report.tests]
    assert verdicts == ["AC", "AC", "TLE", "AC", "MLE", "AC", "OLE", "AC", "RE", "AC"]
    assert report.run_executions == 1
    assert report.verdict is Verdict.TLE


@pytest.mark.anyio
async def test_single_mode_gives_the_same_verdicts_one_execution_per_test(
    make_problem, fake_language, fake_registry
):
    behave = failing_on({1, 7}, FakeTest(kills_execution=Termination.SIGNALED))
    multi = await run(make_problem, fake_language, fake_registry, FakeBackend(behave), tests=12)
    single = await run(
        make_problem, fake_language, fake_registry, FakeBackend(behave), tests=12, mode=Mode.SINGLE
    )
    assert [t.verdict for t in multi.tests] == [t.verdict for t in single.tests]
    assert single.run_executions == 12
    assert single.mode is Mode.SINGLE


@pytest.mark.anyio
async def test_multi_disabled_site_wide_falls_back_to_single(
    make_problem, fake_language, fake_registry
):
    report = await run(
        make_problem,
        fake_language,
        fake_registry,
        FakeBackend(echo),
        tests=4,
        multi_test_enabled=False,
    )
    assert report.mode is Mode.SINGLE
    assert report.run_executions == 4


@pytest.mark.anyio
async def test_max_tests_per_execution_splits_batches(make_problem, fake_language, fake_registry):
    report = await run(
        make_problem, fake_language, fake_registry, FakeBackend(echo), max_tests_per_execution=15
    )
    assert report.run_executions == 3
    assert report.verdict is Verdict.AC


@pytest.mark.anyio
async def test_stop_on_failure_skips_the_rest(make_problem, fake_language, fake_registry):
    behave = failing_on({3}, FakeTest(kills_execution=Termination.SIGNALED))
    report = await run(
        make_problem,
        fake_language,
        fake_registry,
        FakeBackend(behave),
        tests=10,
        stop_on_failure=True,
    )
    verdicts = [t.verdict.value for t in report.tests]
    assert verdicts == ["AC", "AC", "AC", "RE"] + ["SKIPPED"] * 6
    assert report.verdict is Verdict.RE
    assert report.run_executions == 1


@pytest.mark.anyio
async def test_stop_on_failure_skips_tests_the_batch_already_ran(
    make_problem, fake_language, fake_registry
):
    behave = failing_on({2}, FakeTest(output=b"wrong"))
    report = await run(
        make_problem,
        fake_language,
        fake_registry,
        FakeBackend(behave),
        tests=6,
        stop_on_failure=True,
    )
    assert [t.verdict.value for t in report.tests] == ["AC", "AC", "WA"] + ["SKIPPED"] * 3
    assert report.verdict is Verdict.WA
    assert report.run_executions == 1


@pytest.mark.anyio
async def test_compile_error_is_ce_without_runs(make_problem, fake_language, fake_registry):
    backend = FakeBackend(echo, compile_ok=False)
    report = await run(make_problem, fake_language, fake_registry, backend)
    assert report.verdict is Verdict.CE
    assert report.tests == ()
    assert backend.runs == []
    assert "expected ';'" in report.compile.output


@pytest.mark.anyio
async def test_infrastructure_failure_is_ie_never_wa(make_problem, fake_language, fake_registry):
    backend = FakeBackend(echo, fail_runs=True)
    report = await run(make_problem, fake_language, fake_registry, backend, tests=3)
    assert report.verdict is Verdict.IE
    assert all(t.verdict is Verdict.IE and "down" in t.message for t in report.tests)


@pytest.mark.anyio
async def test_oom_text_on_stderr_of_a_dead_runtime_is_mle(
    make_problem, fake_language, fake_registry
):
    class OomBackend(FakeBackend):
        async def run(self, request):
            result = await super().run(request)
            return type(result)(
                result.termination,
                result.exit_code,
                result.signal,
                result.cpu_time_s,
                result.wall_time_s,
                result.peak_memory_kb,
                result.stdout,
                b"fatal: out of fake memory",
            )

    behave = failing_on({2}, FakeTest(kills_execution=Termination.SIGNALED))
    report = await run(make_problem, fake_language, fake_registry, OomBackend(behave), tests=4)
    assert [t.verdict.value for t in report.tests] == ["AC", "AC", "MLE", "AC"]


@pytest.mark.anyio
async def test_run_command_gets_the_problem_memory_and_style(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo)
    await run(make_problem, fake_language, fake_registry, backend, tests=2)
    assert list(backend.runs[0].command) == ["fakerun", "main.fake", "program", "256"]
    assert backend.runs[0].limits.memory_mb == 256


@pytest.mark.anyio
async def test_the_observer_hears_each_test_in_order_after_its_execution(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(failing_on({2}, FakeTest(kills_execution=Termination.SIGNALED)))
    observer = RecordingObserver(backend)
    problem = load_problem(make_problem(tests=5))
    submission = Submission(fake_language, "main", Style.AUTO)
    await grade(problem, submission, backend, fake_registry, GradeOptions(), observer)
    assert observer.events == [
        ("compiled", -1, "ok", 0),
        ("test", 0, "AC", 1),
        ("test", 1, "AC", 1),
        ("test", 2, "RE", 1),
        ("test", 3, "AC", 2),
        ("test", 4, "AC", 2),
    ]


@pytest.mark.anyio
async def test_the_observer_hears_a_compile_error_and_no_tests(
    make_problem, fake_language, fake_registry
):
    backend = FakeBackend(echo, compile_ok=False)
    observer = RecordingObserver(backend)
    problem = load_problem(make_problem(tests=3))
    submission = Submission(fake_language, "main", Style.AUTO)
    await grade(problem, submission, backend, fake_registry, GradeOptions(), observer)
    assert observer.events == [("compiled", -1, "failed", 0)]

"""Judge0Backend over a scripted fake server: deferred compile, one submission per run,
the multi-file zip, limits clamping and truncation, and grading through the engine."""

import base64
import json
import signal

import pytest

from batchjudge.domain.errors import BackendError
from batchjudge.domain.styles import Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import Program, RunRequest
from batchjudge.execution.outcome import Termination
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.commands import render_command
from batchjudge.languages.framing import FrameStatus, parse_frames
from batchjudge.problems.package import load_problem
from support.judge0_runs import (
    bundle,
    compile_and_run_once,
    compile_request,
    numbered,
    open_backend,
    registry,
    run_request,
)
from support.judge0_server import FakeJudge0, FakeRun, VirtualClock


@pytest.fixture
def server() -> FakeJudge0:
    return FakeJudge0(VirtualClock())


def kinds(calls) -> list[str]:
    return [call.kind for call in calls]


async def compile_and_run(server, language_id="python3", inputs=None, source=None, **limits):
    return await compile_and_run_once(server, language_id, inputs, source, limits=limits)


@pytest.mark.anyio
async def test_compile_runs_nothing_and_discovers_the_server_once(server):
    async with open_backend(server) as backend:
        first = await backend.compile(compile_request("python3"))
        second = await backend.compile(compile_request("python3", "print(2)\n"))
    assert first.ok
    assert first.deferred
    assert not first.cached
    assert (first.executions, first.time_s, first.output) == (0, 0.0, "")
    assert kinds(first.calls) == ["discover"] * 4  # config_info, languages, 89, 71
    assert all(call.outcome == "200" for call in first.calls)
    assert second.calls == ()
    assert server.counts["create"] == 0
    paths = [request.url.path for request in server.requests]
    assert paths == ["/config_info", "/languages", "/languages/89", "/languages/113"]


@pytest.mark.anyio
async def test_a_run_is_one_multi_file_submission_with_every_test(server):
    _compiled, result, nonce = await compile_and_run(server, inputs=numbered(40))
    assert result.succeeded
    parsed = parse_frames(result.stdout, nonce)
    assert parsed.finished
    assert [frame.stdout for frame in parsed.frames] == numbered(40)
    assert server.counts["create"] == 1
    assert kinds(result.calls)[0] == "create"
    assert set(kinds(result.calls)[1:]) == {"poll"}
    (received,) = server.received.values()
    assert received.indexes == list(range(40))
    assert set(received.files) == {"main.py", "bj_driver.py"}
    assert received.files["main.py"] == compile_request("python3").files["main.py"]
    # Python has no compile_cmd on Judge0: the interpreter comes from run_cmd.
    python = "/usr/local/python-3.14.0/bin/python3"
    assert received.compile_argv == [python, "-I", "-S", "-m", "py_compile", "main.py"]
    assert received.run_argv == [python, "-I", "-S", "bj_driver.py", "main.py", "program"]
    assert received.body["language_id"] == 89


@pytest.mark.anyio
async def test_cpp_compiles_the_driver_source_with_the_remote_command(server):
    _, result, _ = await compile_and_run(server, "cpp17")
    assert result.succeeded
    (received,) = server.received.values()
    assert set(received.files) == {"main.cpp", "bj_driver.cpp"}
    assert received.files["bj_driver.cpp"] == bundle("cpp17").driver_sources()["bj_driver.cpp"]
    assert received.compile_argv is not None
    assert received.compile_argv[0] == "/usr/local/gcc-14.1.0/bin/g++"
    assert received.compile_argv[-3:] == ["prog", "main.cpp", "bj_driver.cpp"]
    assert "-DBJ_STYLE_program" in received.compile_argv
    assert not any("/prep" in arg for arg in received.compile_argv)
    assert received.run_argv == ["./prog"]  # relative: stays as it is


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("language_id", "compiler", "runner"),
    [
        ("c", "/usr/local/gcc-14.1.0/bin/gcc", "./prog"),
        ("java", "/usr/local/jdk17/bin/javac", "/usr/local/jdk17/bin/java"),
        ("javascript", "/usr/local/node-22.08.0/bin/node", "/usr/local/node-22.08.0/bin/node"),
    ],
)
async def test_local_toolchain_paths_become_the_servers(server, language_id, compiler, runner):
    _, result, _ = await compile_and_run(server, language_id)
    assert result.succeeded
    (received,) = server.received.values()
    assert received.compile_argv is not None
    assert received.compile_argv[0] == compiler
    assert received.run_argv[0] == runner
    local = compile_request(language_id)
    assert local.step is not None
    assert received.compile_argv[1:] == render_command(local.step.command, local.variables)[1:]


@pytest.mark.anyio
async def test_scripts_quote_every_argument(server):
    source = "print(input())\n"
    async with open_backend(server) as backend:
        request = compile_request("python3", source)
        request = type(request)(
            request.language, request.files, request.step, {**request.variables, "style": "a b"}
        )
        compiled = await backend.compile(request)
        assert compiled.program is not None
        run, _ = run_request(request, compiled.program, numbered(1))
        await backend.run(run)
    (received,) = server.received.values()
    assert received.run_argv[-1] == "a b"


@pytest.mark.anyio
async def test_crash_in_test_k_keeps_the_frames_before_it(server):
    server.behave = lambda data: FakeRun(crash=True) if data == b"5\n" else FakeRun(output=data)
    _, result, nonce = await compile_and_run(server, "c", numbered(12))
    assert result.termination is Termination.SIGNALED
    assert result.signal == signal.SIGSEGV
    assert b"Segmentation fault" in result.stderr
    assert not result.truncated
    parsed = parse_frames(result.stdout, nonce)
    assert [frame.index for frame in parsed.frames] == [0, 1, 2, 3, 4]
    assert not parsed.finished


@pytest.mark.anyio
async def test_wrong_and_failed_tests_stay_inside_the_frames(server):
    def behave(data: bytes) -> FakeRun:
        if data == b"2\n":
            return FakeRun(output=b"nope\n")
        if data == b"3\n":
            return FakeRun(status=FrameStatus.TLE)
        return FakeRun(output=data)

    server.behave = behave
    _, result, nonce = await compile_and_run(server, "python3", numbered(5))
    assert result.succeeded
    frames = parse_frames(result.stdout, nonce).frames
    assert [f.status for f in frames][3] is FrameStatus.TLE
    assert frames[2].stdout == b"nope\n"


@pytest.mark.anyio
async def test_compile_error_comes_back_in_the_run(server):
    compiled, result, _ = await compile_and_run(server, "c", source="int main(){SYNTAX}\n")
    assert compiled.ok
    assert compiled.deferred
    assert result.compile_error is not None
    assert "expected ';'" in result.compile_error
    assert result.stdout == b""
    assert not result.truncated


@pytest.mark.anyio
async def test_limits_are_clamped_to_the_servers_maxima(server):
    _, result, _ = await compile_and_run(server, "python3", numbered(40))
    (received,) = server.received.values()
    body = received.body
    assert body["cpu_time_limit"] == 15.0  # asked 40 x 2.5 s + 1 s
    assert body["wall_time_limit"] == 20.0
    assert body["cpu_extra_time"] == 0
    assert body["memory_limit"] == (256 + 16) * 1024
    assert body["max_file_size"] == 4096  # asked ~40 MiB
    assert body["stack_limit"] == 64 * 1024
    assert body["max_processes_and_or_threads"] == 64
    assert body["enable_network"] is False
    assert result.succeeded
    assert not result.truncated


@pytest.mark.anyio
async def test_time_limit_on_a_clamped_run_is_truncated(server):
    server.behave = lambda data: FakeRun(output=data, cpu_s=2.0)
    _, result, nonce = await compile_and_run(server, "python3", numbered(40))
    assert result.termination is Termination.TIME_LIMIT
    assert result.truncated
    frames = parse_frames(result.stdout, nonce).frames
    assert [frame.index for frame in frames] == list(range(7))  # 7 x 2 s fit in 15 s


@pytest.mark.anyio
async def test_time_limit_within_what_was_asked_is_not_truncated(server):
    server.config = {"max_cpu_time_limit": 1000.0, "max_wall_time_limit": 1000.0}
    server.behave = lambda data: FakeRun(output=data, cpu_s=2.0 if data == b"1\n" else 9.0)
    _, result, _ = await compile_and_run(server, "python3", numbered(3))
    (received,) = server.received.values()
    assert received.body["cpu_time_limit"] == pytest.approx(8.5)
    assert result.termination is Termination.TIME_LIMIT
    assert not result.truncated


@pytest.mark.anyio
async def test_output_cap_on_a_clamped_run_is_truncated(server):
    server.behave = lambda data: FakeRun(output=data * 200_000)  # ~400 KB a test
    _, result, nonce = await compile_and_run(server, "python3", numbered(40))
    assert result.termination is Termination.OUTPUT_LIMIT
    assert result.signal == signal.SIGXFSZ
    assert result.truncated
    frames = parse_frames(result.stdout, nonce).frames
    assert 5 < len(frames) < 40


@pytest.mark.anyio
async def test_output_cap_within_what_was_asked_is_not_truncated(server):
    server.config = {"max_max_file_size": 1 << 20}
    server.behave = lambda data: FakeRun(output=data * 2_000_000)
    _, result, _ = await compile_and_run(server, "python3", numbered(2), output_limit=10)
    assert result.termination is Termination.OUTPUT_LIMIT
    assert not result.truncated


@pytest.mark.anyio
async def test_an_oom_kill_at_the_limit_is_memory_limit(server):
    server.behave = lambda data: FakeRun(oom=True) if data == b"1\n" else FakeRun(output=data)
    _, result, nonce = await compile_and_run(server, "python3", numbered(3))
    assert result.termination is Termination.MEMORY_LIMIT
    assert result.peak_memory_kb == (256 + 16) * 1024
    assert len(parse_frames(result.stdout, nonce).frames) == 1


@pytest.mark.anyio
async def test_base64_with_ruby_newlines_is_decoded(server):
    _, result, nonce = await compile_and_run(server, "python3", numbered(30))
    poll = next(r for r in reversed(server.requests) if r.url.path == "/submissions/batch")
    assert poll is not None
    # The fake answers as Ruby does; the raw answer really has the line breaks.
    answer = await server.handle(poll)
    stdout = json.loads(answer.content)["submissions"][0]["stdout"]
    assert "\n" in stdout.rstrip("\n")
    assert all(len(line) <= 60 for line in stdout.splitlines())
    assert base64.b64decode("".join(stdout.split())) == result.stdout
    assert len(parse_frames(result.stdout, nonce).frames) == 30


@pytest.mark.anyio
async def test_requests_send_base64_encoded_explicitly(server):
    await compile_and_run(server)
    for request in server.requests:
        if request.url.path.startswith("/submissions"):
            assert request.url.params["base64_encoded"] == "true"
    create = next(r for r in server.requests if r.method == "POST")
    body = json.loads(create.content)
    assert base64.b64decode(body["stdin"]).startswith(b"BJ1 ")


@pytest.mark.anyio
async def test_validator_work_files_travel_in_the_zip(server):
    async with open_backend(server) as backend:
        request = compile_request("python3", "import sys\n")
        compiled = await backend.compile(request)
        assert compiled.program is not None
        base, _ = run_request(request, compiled.program, numbered(1))
        run = RunRequest(
            language=base.language,
            program=base.program,
            command=[*base.command, "/work/input", "/work/feedback/"],
            stdin=base.stdin,
            limits=base.limits,
            work_files={"input": b"1 2\n", "feedback/judgemessage.txt": b""},
        )
        await backend.run(run)
    (received,) = server.received.values()
    assert received.files["work/input"] == b"1 2\n"
    assert "work/feedback/judgemessage.txt" in received.files
    assert received.run_argv[-2:] == ["work/input", "work/feedback/"]


@pytest.mark.anyio
async def test_an_unknown_program_is_a_backend_error(server):
    async with open_backend(server) as backend:
        request = compile_request("python3")
        compiled = await backend.compile(request)
        assert compiled.program is not None
        run, _ = run_request(request, Program("python3", "x", "x"), numbered(1))
        with pytest.raises(BackendError, match="not compiled by this Judge0 backend"):
            await backend.run(run)


@pytest.mark.anyio
async def test_a_program_file_named_run_is_refused(server):
    async with open_backend(server) as backend:
        request = compile_request("python3")
        request = type(request)(
            request.language, {**request.files, "run": b"x"}, request.step, request.variables
        )
        compiled = await backend.compile(request)
        assert compiled.program is not None
        run, _ = run_request(request, compiled.program, numbered(1))
        with pytest.raises(BackendError, match="may not be called 'run'"):
            await backend.run(run)


async def grade_with(server, make_problem, source, tests=12, **options):
    problem = load_problem(make_problem(tests=tests))
    submission = Submission(bundle("python3"), source, Style.AUTO)
    async with open_backend(server) as backend:
        return await grade(problem, submission, backend, registry(), GradeOptions(**options))


@pytest.mark.anyio
async def test_grading_a_passing_submission_costs_one_submission(server, make_problem):
    report = await grade_with(server, make_problem, "print(input())\n")
    assert report.verdict is Verdict.AC
    assert [t.verdict for t in report.tests] == [Verdict.AC] * 12
    assert server.counts["create"] == 1


@pytest.mark.anyio
async def test_grading_a_crash_sends_the_rest_in_a_second_submission(server, make_problem):
    server.behave = lambda data: FakeRun(crash=True) if data == b"4\n" else FakeRun(output=data)
    report = await grade_with(server, make_problem, "print(input())\n")
    verdicts = [t.verdict for t in report.tests]
    assert verdicts[4] is Verdict.RE
    assert verdicts.count(Verdict.AC) == 11
    assert server.counts["create"] == 2
    second = list(server.received.values())[1]
    assert second.indexes == list(range(5, 12))


@pytest.mark.anyio
async def test_grading_wrong_answers_stays_in_one_submission(server, make_problem):
    server.behave = lambda _: FakeRun(output=b"0\n")
    report = await grade_with(server, make_problem, "print(0)\n", tests=6)
    assert [t.verdict for t in report.tests] == [Verdict.AC] + [Verdict.WA] * 5
    assert server.counts["create"] == 1


@pytest.mark.anyio
async def test_grading_a_compile_error_is_ce_after_one_submission(server, make_problem):
    report = await grade_with(server, make_problem, "print(SYNTAX)\n")
    assert report.verdict is Verdict.CE
    assert "expected ';'" in report.compile.output
    assert server.counts["create"] == 1


@pytest.mark.anyio
async def test_grading_continues_a_batch_cut_by_the_servers_time_maximum(server, make_problem):
    server.behave = lambda data: FakeRun(output=data, cpu_s=2.0)
    report = await grade_with(server, make_problem, "print(input())\n", tests=20)
    assert [t.verdict for t in report.tests] == [Verdict.AC] * 20
    # Each submission carries every test still missing; 7 x 2 s fit in the 15 s maximum.
    assert [r.indexes for r in server.received.values()] == [
        list(range(20)),
        list(range(7, 20)),
        list(range(14, 20)),
    ]


@pytest.mark.anyio
async def test_grading_records_every_billed_request(server, make_problem):
    report = await grade_with(server, make_problem, "print(input())\n")
    kinds = [record.kind.value for record in report.executions]
    assert kinds.count("discover") == 4
    assert kinds.count("run") == 1
    assert kinds.count("poll") == server.counts["poll"]
    assert len(kinds) == len(server.requests)

"""How a finished Judge0 submission's status becomes the ExecutionResult of the driver run."""

import signal

import pytest

from batchjudge.domain.errors import BackendError
from batchjudge.execution.judge0.discovery import ServerConfig
from batchjudge.execution.judge0.results import SubmissionState, to_execution_result
from batchjudge.execution.judge0.submission_limits import SubmissionLimits, plan_limits
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.outcome import Termination
from batchjudge.judge0.wire import encode_base64

LIMITS = SubmissionLimits({}, memory_limit_kb=262144, time_clamped=True, output_clamped=True)
UNCLAMPED = SubmissionLimits({}, memory_limit_kb=262144, time_clamped=False, output_clamped=False)


def state(status: int, **fields) -> SubmissionState:
    return SubmissionState.model_validate({"status": {"id": status, "description": "x"}, **fields})


@pytest.mark.parametrize(
    ("status", "fields", "termination", "exit_code", "signal_number"),
    [
        (3, {"exit_code": 0}, Termination.EXITED, 0, None),
        (4, {"exit_code": 0}, Termination.EXITED, 0, None),
        (5, {}, Termination.TIME_LIMIT, None, None),
        (7, {}, Termination.SIGNALED, None, signal.SIGSEGV),
        (8, {}, Termination.OUTPUT_LIMIT, None, signal.SIGXFSZ),
        (9, {}, Termination.SIGNALED, None, signal.SIGFPE),
        (10, {}, Termination.SIGNALED, None, signal.SIGABRT),
        (12, {"exit_signal": 15}, Termination.SIGNALED, None, 15),
        (12, {"exit_signal": 9, "memory": 262144}, Termination.MEMORY_LIMIT, None, 9),
        (11, {"exit_code": 3}, Termination.EXITED, 3, None),
        (11, {"exit_code": 137, "memory": 262144}, Termination.MEMORY_LIMIT, None, 9),
        (11, {"exit_code": 137, "memory": 1000}, Termination.SIGNALED, None, 9),
        (11, {"exit_code": 139}, Termination.SIGNALED, None, signal.SIGSEGV),
        (11, {"exit_code": 153}, Termination.OUTPUT_LIMIT, None, signal.SIGXFSZ),
    ],
)
def test_statuses_map_to_how_the_run_ended(status, fields, termination, exit_code, signal_number):
    result = to_execution_result(state(status, **fields), UNCLAMPED, ())
    assert (result.termination, result.exit_code, result.signal) == (
        termination,
        exit_code,
        signal_number,
    )
    assert not result.truncated


def test_a_callback_without_exit_fields_reads_them_from_the_message():
    message = encode_base64(b"Exited with error status 137")
    result = to_execution_result(state(11, message=message, memory=262144), UNCLAMPED, ())
    assert result.termination is Termination.MEMORY_LIMIT


def test_numbers_and_texts_are_decoded():
    result = to_execution_result(
        state(
            3,
            stdout=encode_base64(b"x" * 100),
            stderr=encode_base64(b"warn\n"),
            time="0.125",
            wall_time="0.5",
            memory=3456,
            exit_code=0,
        ),
        UNCLAMPED,
        (),
    )
    assert (result.stdout, result.stderr) == (b"x" * 100, b"warn\n")
    assert (result.cpu_time_s, result.wall_time_s, result.peak_memory_kb) == (0.125, 0.5, 3456)


def test_truncation_needs_the_limit_that_ended_the_run_to_be_clamped():
    assert to_execution_result(state(5), LIMITS, ()).truncated
    assert to_execution_result(state(8), LIMITS, ()).truncated
    assert to_execution_result(state(11, exit_code=153), LIMITS, ()).truncated
    assert not to_execution_result(state(7), LIMITS, ()).truncated
    assert not to_execution_result(state(11, exit_code=137, memory=262144), LIMITS, ()).truncated


def test_compile_error_carries_the_compiler_output():
    output = encode_base64(b"main.c:1: error: expected ';'\n" * 5)
    result = to_execution_result(state(6, compile_output=output), UNCLAMPED, ())
    assert result.compile_error == "main.c:1: error: expected ';'\n" * 5


@pytest.mark.parametrize("status", [13, 14])
def test_internal_errors_raise_with_judge0s_message(status):
    message = encode_base64(b"No such file or directory @ rb_sysopen - /box/run")
    with pytest.raises(BackendError, match="rb_sysopen - /box/run"):
        to_execution_result(state(status, message=message), UNCLAMPED, ())


def test_unknown_status_and_bad_base64_are_backend_errors():
    with pytest.raises(BackendError, match="unknown status 42"):
        to_execution_result(state(42), UNCLAMPED, ())
    with pytest.raises(BackendError, match="stdout that is not base64"):
        to_execution_result(state(3, stdout="%%%"), UNCLAMPED, ())


def test_plan_limits_clamps_and_remembers_what_it_cut():
    config = ServerConfig()
    asked = ResourceLimits(cpu_time_s=3.0, wall_time_s=5.0, memory_mb=64, output_bytes=1 << 20)
    planned = plan_limits(asked, config, stack_mb=64)
    assert planned.fields["cpu_time_limit"] == 3.0
    assert planned.fields["wall_time_limit"] == 5.0
    assert planned.fields["max_file_size"] == 1024
    assert not planned.time_clamped
    assert not planned.output_clamped
    big = ResourceLimits(cpu_time_s=30.0, wall_time_s=5.0, memory_mb=4096, output_bytes=64 << 20)
    planned = plan_limits(big, config, stack_mb=256)
    assert planned.fields["cpu_time_limit"] == 15.0
    assert planned.memory_limit_kb == 512000
    assert planned.fields["stack_limit"] == 128000
    assert planned.time_clamped
    assert planned.output_clamped

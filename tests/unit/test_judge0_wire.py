"""The Judge0 wire contract: statuses, verdict mapping, base64, decimals, timestamps."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from batchjudge.domain.verdicts import Verdict
from batchjudge.judge0.statuses import Judge0Status, status_for, verdict_for
from batchjudge.judge0.wire import (
    decimal_string,
    decode_base64,
    encode_base64,
    outputs_match,
    timestamp,
)


def test_statuses_have_judge0s_ids_and_descriptions():
    assert [(s.value, s.description) for s in Judge0Status][:6] == [
        (1, "In Queue"),
        (2, "Processing"),
        (3, "Accepted"),
        (4, "Wrong Answer"),
        (5, "Time Limit Exceeded"),
        (6, "Compilation Error"),
    ]
    assert Judge0Status(11).description == "Runtime Error (NZEC)"
    assert Judge0Status(14).description == "Exec Format Error"
    assert not Judge0Status.PROCESSING.finished
    assert Judge0Status.ACCEPTED.finished


@pytest.mark.parametrize(
    ("status", "exit_code", "memory", "verdict"),
    [
        (3, 0, 1000, Verdict.AC),
        (4, 0, 1000, Verdict.WA),
        (5, 0, 1000, Verdict.TLE),
        (6, None, None, Verdict.CE),
        (7, 0, 1000, Verdict.RE),
        (8, 0, 1000, Verdict.OLE),
        (11, 1, 1000, Verdict.RE),
        (11, 137, 1000, Verdict.RE),  # killed, but far from the memory limit
        (11, 137, 262144, Verdict.MLE),  # killed at the memory limit: the OOM killer
        (12, 0, 1000, Verdict.RE),
        (13, 0, None, Verdict.IE),
        (14, 0, None, Verdict.IE),
    ],
)
def test_finished_statuses_map_to_verdicts(status, exit_code, memory, verdict):
    assert verdict_for(Judge0Status(status), exit_code, memory, 262144) is verdict


def test_an_unfinished_status_has_no_verdict():
    with pytest.raises(ValueError, match="not final"):
        verdict_for(Judge0Status.IN_QUEUE, None, None, 1000)


def test_verdicts_map_back_to_statuses():
    assert status_for(Verdict.AC) is Judge0Status.ACCEPTED
    assert status_for(Verdict.RE, signal=11) is Judge0Status.RUNTIME_ERROR_SIGSEGV
    assert status_for(Verdict.RE, signal=6) is Judge0Status.RUNTIME_ERROR_SIGABRT
    assert status_for(Verdict.RE) is Judge0Status.RUNTIME_ERROR_NZEC
    assert status_for(Verdict.MLE) is Judge0Status.RUNTIME_ERROR_NZEC
    assert status_for(Verdict.OLE) is Judge0Status.RUNTIME_ERROR_SIGXFSZ
    for verdict in Verdict:
        assert status_for(verdict).finished


def test_base64_is_written_like_ruby_and_read_either_way():
    data = bytes(range(256))
    encoded = encode_base64(data)
    lines = encoded.split("\n")
    assert lines[-1] == ""
    assert all(len(line) == 60 for line in lines[:-2])
    assert 0 < len(lines[-2]) <= 60
    assert decode_base64(encoded) == data
    assert decode_base64(base64.b64encode(data).decode()) == data
    assert encode_base64(b"") == ""
    assert encode_base64(b"hi\n") == "aGkK\n"
    with pytest.raises(ValueError, match="not valid base64"):
        decode_base64("not*base64")


def test_decimals_are_strings_and_timestamps_have_milliseconds():
    assert [decimal_string(v) for v in (0.001, 0.04, 5.0, 0.0, 1.23456)] == [
        "0.001",
        "0.04",
        "5.0",
        "0.0",
        "1.235",
    ]
    assert decimal_string(None) is None
    moment = datetime(2024, 4, 3, 7, 40, 51, 306789, tzinfo=timezone(timedelta(hours=2)))
    assert timestamp(moment) == "2024-04-03T05:40:51.306Z"
    assert timestamp(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01T00:00:00.000Z"
    assert timestamp(None) is None


@pytest.mark.parametrize(
    ("expected", "actual", "match"),
    [
        ("1 2\n", "1 2", True),
        ("1 2  \r\n3\n\n", "1 2\n3", True),
        ("", None, True),  # Judge0 calls this WA; an empty answer to an empty test is right
        (None, "", True),
        ("1 2", " 1 2", False),  # leading and inner white space count
        ("1  2", "1 2", False),
    ],
)
def test_outputs_are_compared_like_judge0_but_right_about_empty(expected, actual, match):
    assert outputs_match(expected, actual) is match

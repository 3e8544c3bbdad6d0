"""The BJ1 protocol: batches round-trip, frames survive anything a program prints."""

import pytest

from batchjudge.domain.errors import ProtocolError
from batchjudge.languages.framing import (
    BatchItem,
    Frame,
    FrameStatus,
    decode_batch,
    encode_batch,
    encode_end,
    encode_frame,
    new_nonce,
    parse_frames,
)


def frame(index: int, stdout: bytes, stderr: bytes = b"", status=FrameStatus.OK) -> Frame:
    return Frame(index, status, 0.25, 0.5, 1234, 0, 0, stdout, stderr)


def test_batch_round_trips_binary_inputs():
    items = [
        BatchItem(0, b"1 2\n", 1.0, 2.5, 8 << 20),
        BatchItem(7, b"\x00\x1e\nT 9 9 9 9 9\n", 0.5, 1.5, 100),
        BatchItem(9, b"", 2.0, 4.5, 1),
    ]
    nonce = new_nonce()
    assert decode_batch(encode_batch(nonce, items)) == (nonce, items)


def test_nonce_is_fresh_hex():
    first, second = new_nonce(), new_nonce()
    assert first != second
    assert len(first) == 32
    assert int(first, 16) >= 0


def test_frames_carry_lookalikes_and_control_bytes_unchanged():
    nonce = new_nonce()
    evil = f"\x1e{nonce[:-1]}0 0 OK 0 0 0 0 0 5 0\nEND\n\x1e\x00\x07".encode()
    stdout = (
        b"stray bytes before"
        + encode_frame(nonce, frame(0, evil, b"\x1e" + nonce.encode()))
        + b"\x1e garbage between"
        + encode_frame(nonce, frame(1, b"ok\n"))
        + encode_end(nonce)
    )
    parsed = parse_frames(stdout, nonce)
    assert parsed.finished
    assert [f.stdout for f in parsed.frames] == [evil, b"ok\n"]
    assert parsed.frames[0].stderr == b"\x1e" + nonce.encode()
    assert parsed.frames[0].cpu_time_s == 0.25
    assert parsed.frames[0].memory_kb == 1234


def test_a_frame_cut_short_counts_as_not_finished():
    nonce = new_nonce()
    whole = encode_frame(nonce, frame(0, b"a")) + encode_frame(nonce, frame(1, b"b" * 100))
    parsed = parse_frames(whole[:-10], nonce)
    assert [f.index for f in parsed.frames] == [0]
    assert not parsed.finished


def test_header_cut_short_counts_as_not_finished():
    nonce = new_nonce()
    parsed = parse_frames(f"\x1e{nonce} 0 OK 12".encode(), nonce)
    assert parsed.frames == []
    assert not parsed.finished


def test_frames_from_another_execution_are_ignored():
    mine, theirs = new_nonce(), new_nonce()
    stdout = encode_frame(theirs, frame(0, b"forged")) + encode_frame(mine, frame(0, b"real"))
    assert [f.stdout for f in parse_frames(stdout, mine).frames] == [b"real"]


def test_malformed_header_with_our_nonce_is_a_protocol_error():
    nonce = new_nonce()
    with pytest.raises(ProtocolError):
        parse_frames(f"\x1e{nonce} zero OK\n".encode(), nonce)


def test_not_a_batch_is_refused():
    with pytest.raises(ProtocolError):
        decode_batch(b"HELLO\n")

"""The BJ1 driver protocol: encode a batch of tests, parse the frames a driver wrote.

The protocol itself is described in docs/design/driver-protocol.md.
"""

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from batchjudge.domain.errors import ProtocolError

_MARK = b"\x1e"
_HEADER = re.compile(
    rb"(?P<index>\d+) (?P<status>OK|RE|TLE|MLE|OLE) (?P<cpu>\d+) (?P<wall>\d+) (?P<mem>\d+) "
    rb"(?P<exit>-?\d+) (?P<signal>\d+) (?P<out>\d+) (?P<err>\d+)\n"
)
_END = b"END\n"


class FrameStatus(StrEnum):
    """How one test ended inside the driver."""

    OK = "OK"
    RE = "RE"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"


@dataclass(frozen=True)
class BatchItem:
    """One test as the driver receives it.

    Attributes:
        index: the test's position in the problem.
        input: the test's stdin.
        time_limit_s: CPU seconds allowed.
        wall_limit_s: real seconds allowed.
        output_limit: most stdout bytes allowed.
    """

    index: int
    input: bytes
    time_limit_s: float
    wall_limit_s: float
    output_limit: int


@dataclass(frozen=True)
class Frame:
    """What the driver reported for one test."""

    index: int
    status: FrameStatus
    cpu_time_s: float
    wall_time_s: float
    memory_kb: int
    exit_code: int
    signal: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class ParsedOutput:
    """Every complete frame in order, and whether the driver reached its END marker."""

    frames: list[Frame]
    finished: bool


def new_nonce() -> str:
    """A fresh per-execution nonce: 32 hex characters."""
    return secrets.token_hex(16)


def encode_batch(nonce: str, items: Sequence[BatchItem]) -> bytes:
    """The bytes a driver reads on fd 0 for `items`."""
    parts = [f"BJ1 {nonce} {len(items)}\n".encode()]
    for item in items:
        header = (
            f"T {item.index} {round(item.time_limit_s * 1000)} {round(item.wall_limit_s * 1000)} "
            f"{item.output_limit} {len(item.input)}\n"
        )
        parts.append(header.encode())
        parts.append(item.input)
    return b"".join(parts)


def parse_frames(stdout: bytes, nonce: str) -> ParsedOutput:
    """Split a driver's stdout into frames.

    Bytes outside frames are ignored. A frame cut short (the execution died while
    writing it) is dropped, as if the test had not finished.

    Raises:
        ProtocolError: a header carrying our nonce is malformed, which no student
            output can cause, so the driver itself is broken.
    """
    marker = _MARK + nonce.encode() + b" "
    frames: list[Frame] = []
    position = 0
    while True:
        start = stdout.find(marker, position)
        if start < 0:
            return ParsedOutput(frames, finished=False)
        body = start + len(marker)
        if stdout.startswith(_END, body):
            return ParsedOutput(frames, finished=True)
        match = _HEADER.match(stdout, body)
        if match is None:
            if b"\n" not in stdout[body : body + 200]:
                return ParsedOutput(frames, finished=False)
            raise ProtocolError(f"malformed frame header at byte {start}")
        out_len, err_len = int(match["out"]), int(match["err"])
        payload = match.end()
        if payload + out_len + err_len > len(stdout):
            return ParsedOutput(frames, finished=False)
        frames.append(
            Frame(
                index=int(match["index"]),
                status=FrameStatus(match["status"].decode()),
                cpu_time_s=int(match["cpu"]) / 1e6,
                wall_time_s=int(match["wall"]) / 1e6,
                memory_kb=int(match["mem"]),
                exit_code=int(match["exit"]),
                signal=int(match["signal"]),
                stdout=stdout[payload : payload + out_len],
                stderr=stdout[payload + out_len : payload + out_len + err_len],
            )
        )
        position = payload + out_len + err_len


def decode_batch(data: bytes) -> tuple[str, list[BatchItem]]:
    """Inverse of `encode_batch`, for backends that emulate a driver.

    Raises:
        ProtocolError: `data` is not a BJ1 batch.
    """
    try:
        line_end = data.index(b"\n")
        magic, nonce, count = data[:line_end].decode().split(" ")
        if magic != "BJ1":
            raise ValueError(magic)
        position = line_end + 1
        items: list[BatchItem] = []
        for _ in range(int(count)):
            line_end = data.index(b"\n", position)
            tag, index, cpu_ms, wall_ms, out_limit, length = data[position:line_end].split(b" ")
            if tag != b"T":
                raise ValueError(tag)
            start = line_end + 1
            items.append(
                BatchItem(
                    index=int(index),
                    input=data[start : start + int(length)],
                    time_limit_s=int(cpu_ms) / 1000,
                    wall_limit_s=int(wall_ms) / 1000,
                    output_limit=int(out_limit),
                )
            )
            position = start + int(length)
    except ValueError as exc:
        raise ProtocolError(f"not a BJ1 batch: {exc}") from exc
    return nonce, items


def encode_frame(nonce: str, frame: Frame) -> bytes:
    """One frame as a driver writes it; used by emulating backends and tests."""
    header = (
        f"\x1e{nonce} {frame.index} {frame.status} {round(frame.cpu_time_s * 1e6)} "
        f"{round(frame.wall_time_s * 1e6)} {frame.memory_kb} {frame.exit_code} {frame.signal} "
        f"{len(frame.stdout)} {len(frame.stderr)}\n"
    )
    return header.encode() + frame.stdout + frame.stderr


def encode_end(nonce: str) -> bytes:
    """The marker a driver writes after its last frame."""
    return f"\x1e{nonce} END\n".encode()

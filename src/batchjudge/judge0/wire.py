"""How Judge0 writes values on the wire: Ruby-style base64, decimals as strings,
millisecond timestamps, and its output comparison."""

import base64
import binascii
from datetime import UTC, datetime

#: Ruby's Base64.encode64 breaks its output into lines of this many characters.
_RUBY_LINE = 60


def encode_base64(data: bytes) -> str:
    """Base64 the way Judge0 (Ruby) writes it: a newline after every 60 characters and
    at the end; empty input stays empty."""
    text = base64.b64encode(data).decode("ascii")
    return "".join(text[i : i + _RUBY_LINE] + "\n" for i in range(0, len(text), _RUBY_LINE))


def decode_base64(text: str) -> bytes:
    """Base64 from Judge0 or its clients, with or without line breaks.

    Raises:
        ValueError: the text is not base64.
    """
    compact = "".join(text.split())
    try:
        return base64.b64decode(compact, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not valid base64: {exc}") from exc


def decimal_string(seconds: float | None) -> str | None:
    """A duration as Judge0 serialises decimals: a string such as "0.001" (or null)."""
    if seconds is None:
        return None
    text = f"{seconds:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def timestamp(moment: datetime | None) -> str | None:
    """UTC ISO-8601 with milliseconds and a Z, as Judge0 writes `created_at`."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def outputs_match(expected: str | None, actual: str | None) -> bool:
    """Judge0's comparison (right-strip every line, then the whole text), except that an
    empty output matches an empty expected output, which Judge0 itself gets wrong."""
    return _normalise(expected or "") == _normalise(actual or "")


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip(" \t\r") for line in text.split("\n")).rstrip()

"""What the driver tests share: building test items, reading frames, the tricky bytes."""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from batchjudge.languages.framing import BatchItem, Frame, FrameStatus
from batchjudge.languages.registry import LanguageBundle, load_language_folder

OK, RE, TLE, MLE, OLE = (
    FrameStatus.OK,
    FrameStatus.RE,
    FrameStatus.TLE,
    FrameStatus.MLE,
    FrameStatus.OLE,
)

# Bytes a test prints that look like protocol: a frame marker, a nonce, a header, END.
TRICKY = (
    b"\x1e0123456789abcdef0123456789abcdef 0 OK 0 0 0 0 0 0 0\n"
    b"\x1e0123456789abcdef0123456789abcdef END\n"
    b"\x00\x01\x02\x1b[31m\x7f\xff\r\n\x1e"
)


@dataclass(frozen=True)
class Driver:
    """A built driver: its box (working directory) and the command that starts it."""

    box: Path
    argv: list[str]


Run = Callable[..., list[Frame]]


def language(language_id: str) -> LanguageBundle:
    """One built-in language, loaded on its own so other languages' state does not matter."""
    builtin = Path(str(resources.files("batchjudge.languages") / "builtin"))
    return load_language_folder(builtin / language_id, builtin)


def make_case(text: bytes | str, cpu: float, wall: float, output: int) -> BatchItem:
    """One test: its input and limits (index 0; see `numbered`)."""
    data = text.encode() if isinstance(text, str) else text
    return BatchItem(0, data, cpu, wall, output)


def numbered(items: list[BatchItem]) -> list[BatchItem]:
    """The same tests with distinct, non-consecutive indexes, so frames must echo them."""
    return [
        BatchItem(3 * k + 1, item.input, item.time_limit_s, item.wall_limit_s, item.output_limit)
        for k, item in enumerate(items)
    ]


def statuses(frames: list[Frame]) -> list[FrameStatus]:
    """The status of every frame, in order."""
    return [frame.status for frame in frames]


def outputs(frames: list[Frame]) -> list[bytes]:
    """The stdout of every frame, in order."""
    return [frame.stdout for frame in frames]

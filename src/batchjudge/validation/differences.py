"""Where and how a rejected output differs from the answer, as one short message."""

import re
from dataclasses import dataclass
from enum import Enum

from batchjudge.validation.flags import ValidatorFlags
from batchjudge.validation.numbers import parse_decimal

#: C isspace() in the "C" locale, the bytes bytes.split() splits on.
_SPACE = rb"[ \t\n\r\x0b\x0c]"
_NOT_SPACE = rb"[^ \t\n\r\x0b\x0c]"

#: Shown characters of one token or whitespace run; messages stay one short line.
_SHOW_CHARS = 40


class DifferenceKind(Enum):
    """Why the default validator rejected an output."""

    TOKEN = "token"
    NOT_A_NUMBER = "not a number"
    TOO_FAR = "too far"
    SPACE = "space"
    LEADING_SPACE = "leading space"
    TRAILING = "trailing"
    MISSING = "missing"


@dataclass(frozen=True)
class Difference:
    """The first difference: its kind and the index of the item it concerns.

    Items are those the validator compared: tokens, or with space_change_sensitive,
    token slots (even indexes) alternating with whitespace runs (odd indexes).
    """

    kind: DifferenceKind
    index: int


@dataclass(frozen=True)
class Place:
    """An item as found in the original data."""

    text: bytes
    line: int
    exists: bool

    def show(self) -> str:
        """Quoted, escaped and shortened text, or "end of file" past the last item."""
        if not self.exists:
            return "end of file"
        text = self.text[: _SHOW_CHARS * 4].decode("utf-8", "replace")
        if len(text) > _SHOW_CHARS:
            return repr(text[:_SHOW_CHARS]) + "..."
        return repr(text)


@dataclass(frozen=True)
class Stream:
    """One side of the comparison: the original bytes and the items compared.

    The items may have been lowercased; lowercasing moves no byte, so positions found in
    them hold in `data`, from which messages quote the original text.
    """

    data: bytes
    items: list[bytes]
    spaced: bool

    def at(self, index: int) -> Place:
        """Where item `index` sits in the data, and its original text."""
        start = self._start(index)
        size = len(self.items[index]) if index < len(self.items) else 0
        line = 1 + self.data.count(b"\n", 0, start)
        return Place(self.data[start : start + size], line, index < len(self.items))

    def _start(self, index: int) -> int:
        if self.spaced:
            return sum(map(len, self.items[:index]))
        # Skip `index` tokens and the whitespace after them in one C-level match;
        # possessive quantifiers rule out backtracking.
        skip = re.compile(rb"(?:%s*+%s++){0,%d}%s*+" % (_SPACE, _NOT_SPACE, index, _SPACE))
        match = skip.match(self.data)
        return match.end() if match else len(self.data)

    def token_number(self, index: int) -> int:
        """1-based number of the token at `index` (for whitespace: the token after it)."""
        if not self.spaced:
            return index + 1
        # Empty token slots (at the very start or end) are not tokens.
        slots = self.items[0 : index + 1 : 2]
        return len(slots) - slots.count(b"") + index % 2


def describe(difference: Difference, team: Stream, judge: Stream, flags: ValidatorFlags) -> str:
    """A one-line message naming the token number, lines and the differing text."""
    index, kind = difference.index, difference.kind
    if kind is DifferenceKind.TRAILING:
        extra = team.at(index)
        return (
            f"trailing output after the answer's last token: {extra.show()} "
            f"(token {team.token_number(index)}, output line {extra.line})"
        )
    if kind is DifferenceKind.MISSING:
        count = judge.token_number(index) - 1
        expected = judge.at(index)
        return (
            f"output ended after {count} token{'' if count == 1 else 's'}; the answer "
            f"continues with {expected.show()} (answer line {expected.line})"
        )
    if kind is DifferenceKind.LEADING_SPACE:
        return (
            f"leading whitespace differs: expected {_leading_space(judge)}, "
            f"got {_leading_space(team)}"
        )
    got, expected = team.at(index), judge.at(index)
    if got.line == expected.line:
        where = f"line {got.line}"
    else:
        where = f"output line {got.line}, answer line {expected.line}"
    if kind is DifferenceKind.SPACE:
        before = judge.token_number(index) - 1
        place = f"after token {before}" if before else "before the first token"
        return f"whitespace {place} differs ({where}): expected {expected.show()}, got {got.show()}"
    number = judge.token_number(index)
    if kind is DifferenceKind.NOT_A_NUMBER:
        return (
            f"token {number} ({where}): expected a number near {expected.show()}, got {got.show()}"
        )
    if kind is DifferenceKind.TOO_FAR:
        return (
            f"token {number} ({where}): {got.show()} is too far from {expected.show()} "
            f"({_gap(expected.text, got.text, flags)})"
        )
    return f"token {number} differs ({where}): expected {expected.show()}, got {got.show()}"


def _leading_space(stream: Stream) -> str:
    if stream.items[0] or len(stream.items) == 1:
        return "no whitespace"
    return stream.at(1).show()


def _gap(judge: bytes, team: bytes, flags: ValidatorFlags) -> str:
    judge_value, team_value = parse_decimal(judge), parse_decimal(team)
    allowed = []
    if flags.absolute_tolerance is not None:
        allowed.append(f"absolute tolerance {flags.absolute_tolerance:g}")
    if flags.relative_tolerance is not None:
        allowed.append(f"relative tolerance {flags.relative_tolerance:g}")
    tolerances = " or ".join(allowed)
    if judge_value is None or team_value is None:
        return tolerances
    return f"difference {abs(judge_value - team_value):.6g}, {tolerances}"

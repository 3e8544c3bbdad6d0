"""The Kattis default output validator: token-by-token comparison of output and answer."""

import math
import re
from dataclasses import dataclass

from batchjudge.validation.differences import Difference, DifferenceKind, Stream, describe
from batchjudge.validation.flags import ValidatorFlags
from batchjudge.validation.numbers import (
    all_within_tolerance,
    is_non_finite_literal,
    parse_decimal,
    within_tolerance,
)

#: C isspace() in the "C" locale; bytes.split() splits on exactly these.
_SPACE_RUN = re.compile(rb"([ \t\n\r\x0b\x0c]+)")

#: Items compared per slice before falling back to one at a time. Equal slices compare
#: in C, so identical outputs cost no Python loop per token.
_CHUNK = 2048


@dataclass(frozen=True)
class CheckResult:
    """The default validator's decision; `message` says where a rejected output differs."""

    accepted: bool
    message: str


def check_output(team_output: bytes, judge_answer: bytes, flags: ValidatorFlags) -> CheckResult:
    """Compare a program's output with the judge's answer, Kattis default-validator style.

    Tokens are maximal runs of non-whitespace bytes. They match when equal (ignoring
    ASCII case unless `case_sensitive`), or, with a float tolerance, when the judge token
    is a finite decimal number and the team token is a number close enough to it. Judge
    tokens that read as inf or nan then match text, ignoring case. With
    `space_change_sensitive` every whitespace run, including leading and trailing ones,
    must be byte-for-byte equal as well. Bytes are never decoded, so any garbage is safe.
    """
    if team_output == judge_answer:
        return CheckResult(True, "")
    fold = not flags.case_sensitive
    # Lowercasing the whole buffer once is far cheaper than per token; ASCII-only, as
    # strcasecmp in the C locale, and it never moves a byte or a line.
    team = team_output.lower() if fold else team_output
    judge = judge_answer.lower() if fold else judge_answer
    team_items, judge_items = _items(team, flags), _items(judge, flags)
    difference = _first_difference(team_items, judge_items, flags)
    if difference is None:
        return CheckResult(True, "")
    spaced = flags.space_change_sensitive
    message = describe(
        difference,
        Stream(team_output, team_items, spaced),
        Stream(judge_answer, judge_items, spaced),
        flags,
    )
    return CheckResult(False, message)


def _items(data: bytes, flags: ValidatorFlags) -> list[bytes]:
    """Tokens; with space_change_sensitive, tokens alternating with the whitespace runs.

    The spaced form always starts and ends with a token slot, empty when the data starts
    or ends with whitespace, so an even index is a token and an odd one whitespace.
    """
    if flags.space_change_sensitive:
        return _SPACE_RUN.split(data)
    return data.split()


def _first_difference(
    team: list[bytes], judge: list[bytes], flags: ValidatorFlags
) -> Difference | None:
    common = min(len(team), len(judge))
    # Whitespace items must match exactly, so only plain token lists can be batch-checked.
    batch_numbers = flags.compares_floats and not flags.space_change_sensitive
    absolute, relative = flags.absolute_tolerance, flags.relative_tolerance
    for start in range(0, common, _CHUNK):
        end = min(start + _CHUNK, common)
        team_chunk, judge_chunk = team[start:end], judge[start:end]
        if team_chunk == judge_chunk:
            continue
        if batch_numbers and all_within_tolerance(judge_chunk, team_chunk, absolute, relative):
            continue
        for index in range(start, end):
            if team[index] != judge[index]:
                kind = _compare(team, judge, index, flags)
                if kind is not None:
                    return Difference(kind, index)
    if len(team) == len(judge):
        return None
    return _length_difference(team, judge, common, flags)


def _compare(
    team: list[bytes], judge: list[bytes], index: int, flags: ValidatorFlags
) -> DifferenceKind | None:
    """Why the unequal items at `index` differ, or None when they still match."""
    if flags.space_change_sensitive:
        if index % 2 == 1:
            return DifferenceKind.SPACE
        # Empty token slots only occur at the ends of the data.
        if not judge[index] and index == len(judge) - 1:
            return DifferenceKind.TRAILING
        if not team[index] and index == len(team) - 1:
            return DifferenceKind.MISSING
        if not judge[index] or not team[index]:
            return DifferenceKind.LEADING_SPACE
    return _compare_tokens(team[index], judge[index], flags)


def _compare_tokens(team: bytes, judge: bytes, flags: ValidatorFlags) -> DifferenceKind | None:
    """Tokens that differ as bytes may still match: as numbers, or inf/nan ignoring case."""
    if not flags.compares_floats:
        return DifferenceKind.TOKEN
    judge_value = parse_decimal(judge)
    if judge_value is None:
        if is_non_finite_literal(judge) and team.lower() == judge.lower():
            return None
        return DifferenceKind.TOKEN
    if not math.isfinite(judge_value):
        # A literal too large for a double, such as 1e999: text, like inf.
        return None if team.lower() == judge.lower() else DifferenceKind.TOKEN
    team_value = parse_decimal(team)
    if team_value is None:
        return DifferenceKind.NOT_A_NUMBER
    absolute, relative = flags.absolute_tolerance, flags.relative_tolerance
    if within_tolerance(judge, team, judge_value, team_value, absolute, relative):
        return None
    return DifferenceKind.TOO_FAR


def _length_difference(
    team: list[bytes], judge: list[bytes], common: int, flags: ValidatorFlags
) -> Difference:
    """One side has items left after `common` equal ones."""
    if not flags.space_change_sensitive:
        kind = DifferenceKind.TRAILING if len(team) > common else DifferenceKind.MISSING
        return Difference(kind, common)
    # The extra part is a whitespace run, maybe followed by a token: report the token
    # (the more useful news), or the whitespace when there is none.
    longer = team if len(team) > common else judge
    if longer[common + 1]:
        kind = DifferenceKind.TRAILING if longer is team else DifferenceKind.MISSING
        return Difference(kind, common + 1)
    return Difference(DifferenceKind.SPACE, common)

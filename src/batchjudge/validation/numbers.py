"""Decimal number tokens and the float-tolerance test of the default output validator."""

import math
import re
from fractions import Fraction

#: A decimal floating-point literal as C's strtod reads one, minus hex floats, inf and nan.
#: Python's float() alone is too lenient: it also takes "1_000" and "infinity".
_DECIMAL = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

#: Tokens joined by single spaces, all decimal literals: one C-speed check for a batch.
_DECIMALS = re.compile(rb"%s(?: %s)*" % (_DECIMAL.pattern, _DECIMAL.pattern))

#: Judge tokens that strtod reads as a non-finite value; Kattis compares them as text.
_NON_FINITE = re.compile(rb"[+-]?(?:inf(?:inity)?|nan)", re.IGNORECASE)

#: Relative width of the band around a tolerance bound where double rounding could
#: decide the verdict; inside it the comparison is redone exactly.
_BOUNDARY_BAND = 1e-9

#: Beyond these, Fraction would build huge integers (a student could print 1e-999999999),
#: so the exact re-check is skipped and the double comparison stands.
_EXACT_MAX_CHARS = 80
_EXACT_MAX_EXPONENT = 4000


def parse_decimal(token: bytes) -> float | None:
    """The value of a decimal literal such as `-3.14e-2`, or None if `token` is not one."""
    if _DECIMAL.fullmatch(token) is None:
        return None
    return float(token)


def is_non_finite_literal(token: bytes) -> bool:
    """Whether `token` spells infinity or NaN (any case, optional sign)."""
    return _NON_FINITE.fullmatch(token) is not None


def _tolerance_bound(judge: float, absolute: float | None, relative: float | None) -> float:
    """The largest accepted |judge - team|: the wider of the two tolerances that are set.

    Either tolerance accepting is enough (Kattis), so the bound is their maximum. With
    neither set the bound is negative and nothing but an exact string match passes.
    """
    bound = -1.0
    if absolute is not None:
        bound = absolute
    if relative is not None:
        bound = max(bound, relative * abs(judge))
    return bound


def within_tolerance(
    judge_token: bytes,
    team_token: bytes,
    judge: float,
    team: float,
    absolute: float | None,
    relative: float | None,
) -> bool:
    """Whether `team` is close enough to `judge`; both are the values of their tokens.

    Doubles decide unless the difference sits within a hair of the bound; then the
    decimal tokens are compared exactly, so `1.1` against `1` with tolerance `0.1` is
    accepted as the author meant instead of by the luck of binary rounding.
    """
    bound = _tolerance_bound(judge, absolute, relative)
    difference = abs(judge - team)
    if math.isnan(difference):
        return False
    if abs(difference - bound) > _BOUNDARY_BAND * max(bound, difference):
        return difference <= bound
    exact_judge, exact_team = _exact(judge_token), _exact(team_token)
    if exact_judge is None or exact_team is None:
        return difference <= bound
    exact_difference = abs(exact_judge - exact_team)
    # repr() is the shortest decimal that reads back as the flag's double: "0.3" stays
    # 3/10, where Fraction(0.3) would be the binary value just below it.
    return (absolute is not None and exact_difference <= Fraction(repr(absolute))) or (
        relative is not None and exact_difference <= Fraction(repr(relative)) * abs(exact_judge)
    )


def all_within_tolerance(
    judge_tokens: list[bytes],
    team_tokens: list[bytes],
    absolute: float | None,
    relative: float | None,
) -> bool:
    """True only when every pair is a number clearly within tolerance of the judge's.

    A quick pass over a batch of tokens: False does not mean a rejection, only that the
    pairs must be examined one by one (a non-number, inf, a value near the bound...).
    """
    joined_judge, joined_team = b" ".join(judge_tokens), b" ".join(team_tokens)
    if _DECIMALS.fullmatch(joined_judge) is None or _DECIMALS.fullmatch(joined_team) is None:
        return False
    pairs = zip(map(float, judge_tokens), map(float, team_tokens), strict=True)
    # Strictly inside a slightly narrowed bound, so nothing near it passes untested;
    # NaN and infinite differences fail every comparison.
    narrow = 1.0 - _BOUNDARY_BAND
    if relative is None:
        limit = -1.0 if absolute is None else absolute * narrow
        return all(abs(judge - team) < limit for judge, team in pairs)
    scale = relative * narrow
    floor = -1.0 if absolute is None else absolute * narrow
    return all(
        abs(judge - team) < floor or abs(judge - team) < scale * abs(judge) for judge, team in pairs
    )


def _exact(token: bytes) -> Fraction | None:
    """The exact rational value of a decimal literal, or None when that would be costly."""
    if len(token) > _EXACT_MAX_CHARS:
        return None
    exponent = token.lower().partition(b"e")[2]
    if exponent and abs(int(exponent)) > _EXACT_MAX_EXPONENT:
        return None
    return Fraction(token.decode("ascii"))

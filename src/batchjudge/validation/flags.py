"""A problem's `validator_flags`: the words and what they mean to the default validator."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from batchjudge.domain.errors import ProblemError
from batchjudge.validation.numbers import parse_decimal

_CASE_SENSITIVE = "case_sensitive"
_SPACE_CHANGE_SENSITIVE = "space_change_sensitive"
_ABSOLUTE = "float_absolute_tolerance"
_RELATIVE = "float_relative_tolerance"
_BOTH = "float_tolerance"
_TOLERANCES = (_ABSOLUTE, _RELATIVE, _BOTH)


@dataclass(frozen=True)
class ValidatorFlags:
    """How output is compared.

    `raw` is what a custom validator receives on its command line. The other fields are
    the default validator's reading of those words; they keep their defaults when a
    custom validator owns the flags.

    Attributes:
        raw: the flag words in order, as written in problem.yaml.
        case_sensitive: letters must match in case (ASCII letters only).
        space_change_sensitive: whitespace between, before and after tokens must match
            byte for byte.
        absolute_tolerance: accept a number within this distance of the judge's.
        relative_tolerance: accept a number within this fraction of the judge's value.
    """

    raw: tuple[str, ...] = ()
    case_sensitive: bool = False
    space_change_sensitive: bool = False
    absolute_tolerance: float | None = None
    relative_tolerance: float | None = None

    @property
    def compares_floats(self) -> bool:
        """Whether numeric judge tokens are compared as numbers, not as text."""
        return self.absolute_tolerance is not None or self.relative_tolerance is not None


def split_flags(text: str) -> tuple[str, ...]:
    """The words of a `validator_flags` string (split on whitespace, like Kattis)."""
    return tuple(text.split())


def parse_default_flags(words: Sequence[str]) -> ValidatorFlags:
    """Read the default validator's flags; a repeated flag overrides the earlier one.

    Raises:
        ProblemError: an unknown flag, or a tolerance without a number that is finite and
            not negative. The message names the flag only; the caller adds the file.
    """
    case_sensitive = space_change_sensitive = False
    absolute: float | None = None
    relative: float | None = None
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        if word == _CASE_SENSITIVE:
            case_sensitive = True
        elif word == _SPACE_CHANGE_SENSITIVE:
            space_change_sensitive = True
        elif word in _TOLERANCES:
            if position == len(words):
                raise ProblemError(f"{word} needs a number after it")
            value = _tolerance(word, words[position])
            position += 1
            if word in (_ABSOLUTE, _BOTH):
                absolute = value
            if word in (_RELATIVE, _BOTH):
                relative = value
        else:
            known = ", ".join((_CASE_SENSITIVE, _SPACE_CHANGE_SENSITIVE, *_TOLERANCES))
            raise ProblemError(f"unknown flag {word!r} (the default validator knows {known})")
    return ValidatorFlags(
        raw=tuple(words),
        case_sensitive=case_sensitive,
        space_change_sensitive=space_change_sensitive,
        absolute_tolerance=absolute,
        relative_tolerance=relative,
    )


def _tolerance(flag: str, argument: str) -> float:
    value = parse_decimal(argument.encode("ascii", "replace"))
    if value is None or not math.isfinite(value) or value < 0:
        raise ProblemError(f"{flag} needs a finite number >= 0, got {argument!r}")
    return value

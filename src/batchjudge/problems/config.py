"""Reading problem.yaml: name, limits, validation kind and validator flags."""

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from batchjudge.domain.errors import ProblemError
from batchjudge.problems.model import (
    DEFAULT_MEMORY_MB,
    DEFAULT_OUTPUT_MB,
    DEFAULT_TIME_LIMIT_S,
    ProblemLimits,
    ValidationKind,
)
from batchjudge.validation.numbers import parse_decimal

CONFIG_FILE = "problem.yaml"

#: Limit keys of the legacy and 2023-07 Kattis formats that batchjudge does not use.
#: Any other key under `limits` is refused: a misspelt time limit would otherwise be
#: silently replaced by the default.
_IGNORED_LIMITS = frozenset(
    {
        "time_multiplier",
        "time_safety_margin",
        "time_multipliers",
        "time_resolution",
        "code",
        "compilation_time",
        "compilation_memory",
        "validation_time",
        "validation_memory",
        "validation_output",
        "validation_passes",
    }
)

#: 2023-07 problem types whose judging needs more than comparing one output per test.
_UNSUPPORTED_TYPES = frozenset({"interactive", "multi-pass", "submit-answer"})


@dataclass(frozen=True)
class ProblemConfig:
    """What problem.yaml says; `validation` is None when it does not say."""

    name: str
    limits: ProblemLimits
    validation: ValidationKind | None
    validator_flags: str


def read_config(root: Path, label: str) -> ProblemConfig:
    """Read and check `root/problem.yaml`; unknown top-level keys are ignored.

    Args:
        root: the problem directory.
        label: how errors name the problem (its directory name).

    Raises:
        ProblemError: the file is missing, is not YAML, or a value has the wrong type
            or an impossible value. The message starts with "<label>: problem.yaml:".
    """
    where = f"{label}: {CONFIG_FILE}"
    document = _load_yaml(root / CONFIG_FILE, where)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ProblemError(f"{where}: must be a mapping of keys to values")
    _check_type(document.get("type"), where)
    return ProblemConfig(
        name=_name(document.get("name"), root, where),
        limits=_limits(document.get("limits"), where),
        validation=_validation(document.get("validation"), where),
        validator_flags=_flags(document.get("validator_flags"), where),
    )


def _load_yaml(path: Path, where: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError(f"{where}: missing") from None
    except OSError as exc:
        raise ProblemError(f"{where}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ProblemError(f"{where}: not UTF-8 text") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise ProblemError(f"{where}: not valid YAML: {detail}") from exc


def _name(value: object, root: Path, where: str) -> str:
    # The 2023-07 draft maps language codes to names; prefer English.
    if isinstance(value, dict) and value:
        value = value.get("en", next(iter(value.values())))
    if value is None or value == "":
        return root.name
    if not isinstance(value, str):
        raise ProblemError(f"{where}: name must be a string")
    return value


def _limits(value: object, where: str) -> ProblemLimits:
    if value is None:
        return ProblemLimits()
    if not isinstance(value, dict):
        raise ProblemError(f"{where}: limits must be a mapping")
    for key in value:
        if key not in ("time_limit", "memory", "output") and key not in _IGNORED_LIMITS:
            raise ProblemError(f"{where}: limits.{key} is not a known limit")
    return ProblemLimits(
        time_limit_s=_seconds(value.get("time_limit"), where),
        memory_mb=_mebibytes(value.get("memory"), "memory", DEFAULT_MEMORY_MB, where),
        output_mb=_mebibytes(value.get("output"), "output", DEFAULT_OUTPUT_MB, where),
    )


def _seconds(value: object, where: str) -> float:
    if value is None:
        return DEFAULT_TIME_LIMIT_S
    if isinstance(value, str):
        # YAML 1.1 reads `1e-1` (no dot) as text; take it, but only if it is a number.
        parsed = parse_decimal(value.strip().encode("ascii", "replace"))
        seconds = math.nan if parsed is None else parsed
    elif isinstance(value, bool) or not isinstance(value, int | float):
        # bool is an int subclass; `time_limit: yes` is a mistake, not one second.
        raise ProblemError(f"{where}: limits.time_limit must be a positive number")
    else:
        seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ProblemError(f"{where}: limits.time_limit must be a positive number")
    return seconds


def _mebibytes(value: object, key: str, default: int, where: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ProblemError(f"{where}: limits.{key} must be a positive whole number of MiB")
    return value


def _validation(value: object, where: str) -> ValidationKind | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProblemError(f"{where}: validation must be 'default' or 'custom'")
    try:
        return ValidationKind(value.strip())
    except ValueError:
        raise ProblemError(
            f"{where}: validation {value!r} is not supported (batchjudge compares one "
            "output per test: 'default' or 'custom')"
        ) from None


def _flags(value: object, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProblemError(f"{where}: validator_flags must be a string")
    return value


def _check_type(value: object, where: str) -> None:
    """Refuse problem types that grading one output per test would judge wrongly."""
    if value is None:
        return
    if isinstance(value, str):
        kinds = value.split()
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        kinds = list(value)
    else:
        raise ProblemError(f"{where}: type must be a string or a list of strings")
    unsupported = sorted(set(kinds) & _UNSUPPORTED_TYPES)
    if unsupported:
        raise ProblemError(f"{where}: type {unsupported[0]} is not supported")

"""Loading a Kattis / ICPC problem package from disk into a Problem."""

from pathlib import Path

from batchjudge.domain.errors import ProblemError
from batchjudge.problems.config import CONFIG_FILE, ProblemConfig, read_config
from batchjudge.problems.model import Problem, Validation, ValidationKind
from batchjudge.problems.output_validator import (
    DRAFT_DIR,
    LEGACY_DIR,
    find_validator_programs,
    load_custom_validator,
)
from batchjudge.problems.testdata import find_cases
from batchjudge.validation.flags import ValidatorFlags, parse_default_flags, split_flags


def load_problem(path: Path, label: str | None = None) -> Problem:
    """Read the package at `path`: problem.yaml, the tests, and any custom validator.

    Test files are only listed, never read, so large packages load quickly. Validator
    sources are read (they are small and the engine needs their bytes).

    `label` names the problem in messages (default: its directory's name).

    Raises:
        ProblemError: the package is malformed. The message starts with the problem's
            label and the offending file, e.g.
            "sum-pairs: problem.yaml: limits.time_limit must be a positive number".
    """
    root = Path(path).absolute()
    if not root.is_dir():
        raise ProblemError(f"{path}: no such problem directory")
    label = label or root.resolve().name or str(root)
    config = read_config(root, label)
    validation = _validation(root, label, config)
    cases = find_cases(root, label)
    return Problem(config.name, root, config.limits, validation, cases)


def _validation(root: Path, label: str, config: ProblemConfig) -> Validation:
    where = f"{label}: {CONFIG_FILE}"
    words = split_flags(config.validator_flags)
    kind = config.validation
    if kind is None:
        # The 2023-07 draft dropped the `validation` key: having an output_validator/
        # folder is what makes validation custom there.
        kind = ValidationKind.CUSTOM if (root / DRAFT_DIR).is_dir() else ValidationKind.DEFAULT
    if kind is ValidationKind.DEFAULT:
        # A validator folder next to `validation: default` is unused, as in Kattis; it is
        # not even read, so a broken one cannot block the package.
        try:
            flags = parse_default_flags(words)
        except ProblemError as exc:
            raise ProblemError(f"{where}: validator_flags: {exc}") from exc
        return Validation(kind, flags, None)
    try:
        programs = find_validator_programs(root)
    except OSError as exc:
        raise ProblemError(f"{label}: {LEGACY_DIR}/: cannot list: {exc}") from exc
    if not programs:
        raise ProblemError(
            f"{where}: validation is custom but there is no output validator "
            f"({LEGACY_DIR}/<name>/ or {DRAFT_DIR}/)"
        )
    if len(programs) > 1:
        names = ", ".join(program.relative_to(root).as_posix() for program in programs)
        raise ProblemError(
            f"{where}: validation is custom but there are {len(programs)} output "
            f"validators ({names}); batchjudge runs exactly one"
        )
    custom = load_custom_validator(programs[0], root, label)
    # A custom validator defines its own flags; they reach it unchecked.
    return Validation(kind, ValidatorFlags(raw=words), custom)

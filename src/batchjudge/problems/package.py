"""Loading a Kattis / ICPC problem package from disk: the Problem, and its statement."""

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

#: Where packages keep the statement: the Kattis folder, then the 2023-07 draft's.
STATEMENT_DIRS = ("problem_statement", "statement")
#: The statement students read, when a package has several languages.
PREFERRED_STATEMENT = "problem.en.md"
#: Longest statement kept, in bytes (a statement is prose, not data).
MAX_STATEMENT_BYTES = 256 << 10


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


def load_statement(path: Path, label: str | None = None) -> str:
    """The package's Markdown statement, or "" when it has none.

    The first of STATEMENT_DIRS holding one wins; inside it `problem.en.md` is preferred,
    then `problem.md`, then the first other `problem*.md` by name. Other formats
    (LaTeX, HTML) are not read: students get the Markdown one or none. Bytes that are not
    UTF-8 are replaced rather than refused, so a stray Latin-1 accent cannot block an upload.

    Raises:
        ProblemError: the statement is over MAX_STATEMENT_BYTES.
    """
    root = Path(path).absolute()
    label = label or root.name
    for folder in STATEMENT_DIRS:
        found = _statement_file(root / folder)
        if found is None:
            continue
        data = found.read_bytes()
        if len(data) > MAX_STATEMENT_BYTES:
            where = found.relative_to(root).as_posix()
            raise ProblemError(
                f"{label}: {where}: the statement is {len(data)} bytes; "
                f"the limit is {MAX_STATEMENT_BYTES} bytes"
            )
        return data.decode("utf-8", "replace")
    return ""


def _statement_file(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    candidates = sorted(
        entry for entry in folder.glob("problem*.md") if entry.is_file() and not entry.is_symlink()
    )
    by_name = {entry.name: entry for entry in candidates}
    preferred = by_name.get(PREFERRED_STATEMENT) or by_name.get("problem.md")
    return preferred or (candidates[0] if candidates else None)

"""Finding a package's tests: .in/.ans pairs under data/sample and data/secret."""

import os
from pathlib import Path

from batchjudge.domain.errors import ProblemError
from batchjudge.problems.model import CaseSpec

DATA_DIR = "data"

#: Test groups in grading order, and whether their tests are samples. Other folders
#: under data/ (the 2023-07 draft's invalid_input/, for instance) hold no tests to run.
_GROUPS = (("sample", True), ("secret", False))

_INPUT, _ANSWER = ".in", ".ans"


def find_cases(root: Path, label: str) -> tuple[CaseSpec, ...]:
    """Every test of the package: samples, then secret tests, each in path order.

    Only names are listed here; no test file is opened. A test's name is its path under
    data/ without the extension, such as `secret/group1/03`. Names starting with a dot
    (editor and macOS droppings) are skipped.

    Raises:
        ProblemError: data/ is missing, a .in has no .ans or the other way round, or
            there is no test at all. The message names the problem and the file.
    """
    data = root / DATA_DIR
    if not data.is_dir():
        raise ProblemError(f"{label}: {DATA_DIR}/: missing (tests go in data/sample, data/secret)")
    cases: list[CaseSpec] = []
    for group, is_sample in _GROUPS:
        folder = data / group
        if not folder.is_dir():
            continue
        try:
            files = _test_files(folder, (group,), set())
        except OSError as exc:
            raise ProblemError(f"{label}: {DATA_DIR}/{group}/: cannot list: {exc}") from exc
        cases.extend(_pair(files, is_sample, label))
    if not cases:
        raise ProblemError(
            f"{label}: {DATA_DIR}/: no tests (expected .in/.ans pairs in data/sample "
            "or data/secret)"
        )
    return tuple(cases)


def _pair(files: list[tuple[tuple[str, ...], Path]], is_sample: bool, label: str) -> list[CaseSpec]:
    """Tests from the files of one group, sorted by path, component by component."""
    stems: dict[tuple[str, ...], dict[str, Path]] = {}
    for parts, path in files:
        stem = (*parts[:-1], parts[-1].rsplit(".", 1)[0])
        stems.setdefault(stem, {})[path.suffix] = path
    cases = []
    for parts in sorted(stems):
        pair = stems[parts]
        name = "/".join(parts)
        if _ANSWER not in pair:
            raise ProblemError(f"{label}: {DATA_DIR}/{name}{_INPUT}: no matching {_ANSWER} file")
        if _INPUT not in pair:
            raise ProblemError(f"{label}: {DATA_DIR}/{name}{_ANSWER}: no matching {_INPUT} file")
        cases.append(CaseSpec(name, pair[_INPUT], pair[_ANSWER], is_sample))
    return cases


def _test_files(
    folder: Path, parts: tuple[str, ...], seen: set[tuple[int, int]]
) -> list[tuple[tuple[str, ...], Path]]:
    """(path components under data/, path) of every .in and .ans file below `folder`.

    Symlinked folders are followed (packages link sample data into secret), but each
    real folder once, so a link cycle cannot loop.
    """
    status = folder.stat()
    if (status.st_dev, status.st_ino) in seen:
        return []
    seen.add((status.st_dev, status.st_ino))
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            if entry.is_dir():
                found.extend(_test_files(path, (*parts, entry.name), seen))
            elif entry.name.endswith((_INPUT, _ANSWER)):
                found.append(((*parts, entry.name), path))
    return found

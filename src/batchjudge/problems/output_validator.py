"""Finding a package's custom output validator and reading it as a buildable program."""

import re
from pathlib import Path
from types import MappingProxyType

from batchjudge.domain.errors import ProblemError
from batchjudge.problems.model import CustomValidator

#: Legacy layout: every entry below is one program (a folder, or a single source file).
LEGACY_DIR = "output_validators"
#: 2023-07 draft layout: the folder itself is the one program.
DRAFT_DIR = "output_validator"

_PYTHON, _CPP = "python3", "cpp17"
_LANGUAGES = {".py": _PYTHON, ".cpp": _CPP, ".cc": _CPP, ".cxx": _CPP}
#: Single-file programs of languages we cannot run: listed so they are refused by name
#: rather than silently overlooked.
_OTHER_SOURCES = frozenset({".c", ".java", ".kt", ".js", ".sh", ".rs", ".go", ".cs", ".pas"})
#: The Python entry when a validator folder holds several .py files.
_PYTHON_ENTRY = "validate.py"
_CPP_MAIN = re.compile(rb"\bmain\s*\(")


def find_validator_programs(root: Path) -> list[Path]:
    """Every output validator program in the package, in either layout, sorted."""
    programs = []
    legacy = root / LEGACY_DIR
    if legacy.is_dir():
        for path in sorted(legacy.iterdir()):
            if path.name.startswith("."):
                continue
            suffix = path.suffix.lower()
            if path.is_dir() or suffix in _LANGUAGES or suffix in _OTHER_SOURCES:
                programs.append(path)
    if (root / DRAFT_DIR).is_dir():
        programs.append(root / DRAFT_DIR)
    return programs


def load_custom_validator(program: Path, root: Path, label: str) -> CustomValidator:
    """Read a validator program's files and decide its language and entry file.

    Raises:
        ProblemError: no Python or C++ source, both kinds, several .py files and no
            validate.py, or an unreadable file. The message names the program's path.
    """
    where = f"{label}: {program.relative_to(root).as_posix()}"
    try:
        files = _read_files(program)
    except OSError as exc:
        raise ProblemError(f"{where}: cannot read: {exc}") from exc
    # Only the top level decides; sources in subfolders are helpers.
    top = sorted(name for name in files if "/" not in name)
    languages = {_LANGUAGES[Path(name).suffix.lower()] for name in top if _is_source(name)}
    if len(languages) != 1:
        found = ", ".join(top) or "nothing"
        problem = "both Python and C++ sources" if languages else f"no .py or .cpp source ({found})"
        raise ProblemError(f"{where}: {problem}; batchjudge runs Python 3 or C++ validators")
    language = languages.pop()
    sources = tuple(name for name in top if _LANGUAGES.get(Path(name).suffix.lower()) == language)
    entry = _python_entry(sources, where) if language == _PYTHON else _cpp_entry(sources, files)
    if language == _PYTHON:
        sources = (entry,)
    return CustomValidator(
        language_id=language,
        entry=entry,
        sources=sources,
        files=MappingProxyType(files),
        origin=program,
    )


def _read_files(program: Path) -> dict[str, bytes]:
    if program.is_file():
        return {program.name: program.read_bytes()}
    files = {}
    for path in sorted(program.rglob("*")):
        relative = path.relative_to(program)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_file():
            files[relative.as_posix()] = path.read_bytes()
    return files


def _is_source(name: str) -> bool:
    return Path(name).suffix.lower() in _LANGUAGES


def _python_entry(sources: tuple[str, ...], where: str) -> str:
    if _PYTHON_ENTRY in sources:
        return _PYTHON_ENTRY
    if len(sources) == 1:
        return sources[0]
    raise ProblemError(
        f"{where}: several .py files ({', '.join(sources)}) and no {_PYTHON_ENTRY} to start"
    )


def _cpp_entry(sources: tuple[str, ...], files: dict[str, bytes]) -> str:
    """The source defining main; all sources are compiled together anyway."""
    with_main = [name for name in sources if _CPP_MAIN.search(files[name])]
    return with_main[0] if with_main else sources[0]

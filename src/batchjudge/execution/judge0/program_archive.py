"""The zip a Judge0 multi-file submission (language 89) carries: the program files, the
validator's work files, and the `compile` and `run` scripts Judge0 starts."""

import io
import shlex
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from batchjudge.execution.judge0.errors import Judge0Error
from batchjudge.execution.judge0.server_commands import WORK_DIR

#: The names Judge0 gives meaning to in a language-89 zip (master accepts `.sh` too).
_SCRIPT_NAMES = frozenset({"compile", "run", "compile.sh", "run.sh"})
#: A fixed timestamp keeps the zip of the same program byte-identical.
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ProgramArchive:
    """The zip and the size it unpacks to (Judge0 caps it with `max_extract_size`)."""

    data: bytes
    extracted_bytes: int


def script(argv: Sequence[str], environment: Mapping[str, str] | None = None) -> bytes:
    """A bash script that becomes `argv`, so its exit status and output are the program's."""
    exports = "".join(
        f"export {name}={shlex.quote(value)}\n" for name, value in (environment or {}).items()
    )
    return ("#!/bin/bash\nset -e\n" + exports + "exec " + shlex.join(argv) + "\n").encode()


def build_archive(
    files: Mapping[str, bytes],
    compile_argv: Sequence[str] | None,
    run_argv: Sequence[str],
    work_files: Mapping[str, bytes] | None = None,
    run_environment: Mapping[str, str] | None = None,
) -> ProgramArchive:
    """The zip of every program file plus the `compile` (when given) and `run` scripts;
    `run_environment` is exported before the run.

    Raises:
        Judge0Error: a file name is unsafe or collides with a script name.
    """
    entries: dict[str, bytes] = {}
    for name, content in files.items():
        entries[_checked(name)] = content
    for name, content in (work_files or {}).items():
        path = f"{WORK_DIR}/{_checked(name)}"
        if path in entries:
            raise Judge0Error(f"work file {name!r} collides with a program file")
        entries[path] = content
    if compile_argv is not None:
        entries["compile"] = script(compile_argv)
    entries["run"] = script(run_argv, run_environment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o100755 << 16 if name in _SCRIPT_NAMES else 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name])
    return ProgramArchive(buffer.getvalue(), sum(len(data) for data in entries.values()))


def _checked(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise Judge0Error(f"file name {name!r} is not a safe relative path")
    if str(path) in _SCRIPT_NAMES:
        raise Judge0Error(f"a program file may not be called {name!r} on Judge0")
    return str(path)

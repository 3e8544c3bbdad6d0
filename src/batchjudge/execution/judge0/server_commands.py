"""Our compile and run commands as a Judge0 server must run them.

Our commands name this machine's toolchain (`/usr/bin/gcc`); on the server an absolute
argv[0] becomes the server's own tool for the language: the first word of its
`compile_cmd` (or of `run_cmd`, for languages without one, such as Python's
`py_compile`) or of its `run_cmd`. Paths under `/work` (validator files) become `work/...`
in the submission's directory, and files prepared on this machine (`$prep`) are refused
unless the language has a `[judge0] remote_compile`.
"""

import re
import shlex
from collections.abc import Mapping, Sequence

from batchjudge.execution.backend import CompileRequest
from batchjudge.execution.judge0.discovery import LanguageDetails
from batchjudge.execution.judge0.errors import Judge0Error
from batchjudge.languages.commands import PREPARED_MOUNT, render_command
from batchjudge.languages.spec import LanguageSpec

#: Where `RunRequest.work_files` go inside the submission's directory.
WORK_DIR = "work"
_LOCAL_WORK = "/work"
_PREPARED_INCLUDE = "-I" + PREPARED_MOUNT
_PREPARED_PATH = re.compile(r"(?:^|[=:,]|^-[A-Za-z])" + re.escape(PREPARED_MOUNT) + r"(?:/|$)")


def first_word(command: str | None) -> str | None:
    """The program a Judge0 `compile_cmd`/`run_cmd` starts, or None."""
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return words[0] if words else None


def server_command(argv: Sequence[str], tool: str | None) -> list[str]:
    """`argv` for the server: an absolute argv[0] becomes `tool`; `/work` paths move.

    Raises:
        Judge0Error: argv[0] names a local tool and the server has none for the language.
    """
    if not argv:
        raise Judge0Error("empty command")
    head, *rest = argv
    if head.startswith("/"):
        if tool is None:
            raise Judge0Error(f"the Judge0 server names no program to replace {head}")
        head = tool
    return [head, *(_work_path(arg) for arg in rest)]


def run_command(argv: Sequence[str], language: LanguageDetails) -> list[str]:
    """The driver's command line on the server."""
    return server_command(argv, first_word(language.run_cmd))


def compile_command(request: CompileRequest, language: LanguageDetails) -> list[str] | None:
    """The compile command line on the server, or None when there is no compile step.

    The language's compile step becomes its `[judge0] remote_compile` when it has one.

    Raises:
        Judge0Error: the command needs files prepared on this machine, or names a source
            that is not among the program's files.
    """
    if request.step is None:
        return None
    spec = request.language.spec
    command = request.step.command
    remote = spec.judge0.remote_compile if spec.judge0 else None
    if remote is not None and request.step == spec.compile:
        command = remote
    argv = _portable(render_command(command, request.variables), spec.id)
    _check_inputs(argv, request.files, spec)
    tool = first_word(language.compile_cmd) or first_word(language.run_cmd)
    return server_command(argv, tool)


def _work_path(arg: str) -> str:
    if arg == _LOCAL_WORK or arg.startswith(_LOCAL_WORK + "/"):
        return WORK_DIR + arg[len(_LOCAL_WORK) :]
    return arg


def _portable(argv: Sequence[str], language_id: str) -> list[str]:
    """`argv` without this machine's prepared files: an include of them is dropped (the
    compiler falls back to its own headers); any other use needs `remote_compile`."""
    kept = [arg for arg in argv if arg != _PREPARED_INCLUDE]
    for arg in kept:
        if _PREPARED_PATH.search(arg):
            raise Judge0Error(
                f"{language_id} compiles with files prepared on this machine ({arg}); "
                "give it a [judge0] remote_compile command to run on Judge0"
            )
    return kept


def _check_inputs(argv: Sequence[str], files: Mapping[str, bytes], spec: LanguageSpec) -> None:
    """Every source the compile command names must travel in the zip."""
    for arg in argv[1:]:
        if arg.startswith("-"):
            continue
        if (arg in spec.driver_files or arg.endswith(spec.extensions)) and arg not in files:
            raise Judge0Error(
                f"the Judge0 compile command for {spec.id} names {arg}, "
                "which is not among the program's files"
            )

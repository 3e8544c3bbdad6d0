"""The validated shape of one language data file (see data/README.md for the schema)."""

import re
import string
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Placeholders a command may use; any other `$name` is refused when the file loads.
COMMAND_VARIABLES = frozenset({"source", "style", "memory_mb", "stack_mb", "prep"})

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_placeholders(command: tuple[str, ...]) -> tuple[str, ...]:
    for part in command:
        for match in string.Template.pattern.finditer(part):
            name = match.group("named") or match.group("braced")
            if match.group("invalid") is not None:
                raise ValueError(f"bad placeholder in {part!r}")
            if name is not None and name not in COMMAND_VARIABLES:
                known = ", ".join(sorted(COMMAND_VARIABLES))
                raise ValueError(f"unknown placeholder ${name} in {part!r} (known: {known})")
    return command


class CompileStep(_Strict):
    """How sources become a runnable program inside the compile sandbox."""

    command: tuple[str, ...]
    time_limit_s: float = 30.0
    memory_mb: int = 1024
    processes: int = 64

    _placeholders = field_validator("command")(_check_placeholders)


class PrepareStep(_Strict):
    """A one-off step per machine (e.g. a precompiled header), cached by its definition.

    `files` are written from inline text; `sources` are copied from the language folder
    (name in the box = path in the folder), e.g. a driver to compile ahead of time.
    """

    command: tuple[str, ...]
    files: dict[str, str] = Field(default_factory=dict)
    sources: dict[str, str] = Field(default_factory=dict)
    time_limit_s: float = 120.0
    memory_mb: int = 2048

    _placeholders = field_validator("command")(_check_placeholders)


class RunStep(_Strict):
    """How the compiled program (the driver plus the student's code) is started."""

    command: tuple[str, ...]
    memory_overhead_mb: int = 0
    processes: int = 64
    startup_time_s: float = 1.0
    stack_mb: int = 64

    _placeholders = field_validator("command")(_check_placeholders)


class PlainCommands(_Strict):
    """How to build and start a plain program without the driver (output validators)."""

    compile: CompileStep | None = None
    run: tuple[str, ...]

    _placeholders = field_validator("run")(_check_placeholders)


class Judge0Identity(_Strict):
    """How the language is known on Judge0 servers, ours and remote ones.

    Attributes:
        name: our Judge0-style name; `$version` is what `version_command` prints.
        version_command: prints the toolchain's version (stdout or stderr).
        version_pattern: picks the version out of that output.
        match: regular expression that finds this language among a server's names; the
            highest version among the matches wins.
        remote_compile: compile command for a Judge0 server, used instead of `compile`
            when that one relies on files prepared on this machine (`$prep`).
    """

    name: str
    version_command: tuple[str, ...]
    version_pattern: str = r"(\d+(?:\.\d+)+)"
    match: str
    remote_compile: tuple[str, ...] | None = None

    _placeholders = field_validator("remote_compile")(
        lambda command: None if command is None else _check_placeholders(command)
    )

    @field_validator("match", "version_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        re.compile(pattern)
        return pattern


class StyleRules(_Strict):
    """Regular expressions (multi-line mode) that tell program style from solve() style."""

    program: tuple[str, ...]
    solve: tuple[str, ...]

    @field_validator("program", "solve")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            re.compile(pattern, re.MULTILINE)
        return patterns


class SelfTest(_Strict):
    """A program the language must run correctly through the sandbox and driver."""

    source: str
    style: str = "program"
    input: str
    expected: str


class LanguageSpec(_Strict):
    """One language, loaded from `data/<id>.toml`."""

    id: Annotated[str, Field(pattern=_ID.pattern)]
    display_name: str
    judge0_id: int | None = None
    aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...]
    source_name: str
    source_name_pattern: str | None = None
    driver_files: dict[str, str] = Field(default_factory=dict)
    sandbox_binds: tuple[str, ...] = ()
    oom_stderr_patterns: tuple[str, ...] = ()
    multi_test: bool = True
    styles: StyleRules
    prepare: PrepareStep | None = None
    compile: CompileStep | None = None
    run: RunStep
    plain: PlainCommands | None = None
    selftest: SelfTest
    judge0: Judge0Identity | None = None

    @field_validator("extensions")
    @classmethod
    def _dotted(cls, extensions: tuple[str, ...]) -> tuple[str, ...]:
        if not extensions or any(not ext.startswith(".") for ext in extensions):
            raise ValueError("extensions must be a non-empty list like ['.cpp']")
        return extensions

    @model_validator(mode="after")
    def _pattern_has_group(self) -> "LanguageSpec":
        pattern = self.source_name_pattern
        if pattern is not None and re.compile(pattern, re.MULTILINE).groups < 1:
            raise ValueError("source_name_pattern needs one capture group")
        return self

    def source_file_name(self, source: str) -> str:
        """The file name the student's source gets inside the box.

        Java needs the file named after its public class; other languages use `source_name`.
        """
        if self.source_name_pattern is not None:
            match = re.search(self.source_name_pattern, source, re.MULTILINE)
            if match is not None:
                suffix = self.source_name.rsplit(".", 1)[-1]
                return f"{match.group(1)}.{suffix}"
        return self.source_name

"""The command-line examples of the documentation site (docs/**/*.md), read the way a
reader sees them.

An example is a line of a ```console block that starts with `$ ` and runs `batchjudge`
(or `.venv/bin/batchjudge`), possibly after `NAME=value` assignments or a pipe. The
lines after it, up to the next `$ ` line, are its documented output:

- a line containing `←` is a terminal prompt with a note, not output (the tests answer
  prompts on standard input, where no prompt is shown);
- the first `error: ` line means the command is expected to fail with exit status 2;
- otherwise the first line is the one whose presence is checked.

A `batchjudge` line of a ```sh block (a shell snippet without prompts or output) is an
example too, expected to exit with status 0.

An HTML comment `<!-- guide-test: WORD -->` on the line before a block tells the test
what state the block needs (see `DIRECTIVES`).
"""

import re
from dataclasses import dataclass
from pathlib import Path

#: What a block may ask of its site before it runs.
DIRECTIVES = {
    # A machine just set up: a migrated, empty database and no master key. The rest of
    # the page runs there too (its backups folder stays).
    "new-machine",
    # The database one migration behind this code, as after installing a new version
    # (a new, empty one: the test cannot take a database with data back).
    "database-behind",
}

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_DIRECTIVE = re.compile(r"^\s*<!--\s*guide-test:\s*([\w-]+)\s*-->\s*$")
_SHELL = {"sh", "bash", "shell"}
_CLI = re.compile(r"(?:^|\|\s*)(?:\w+=\S+\s+)*(?:\.venv/bin/)?batchjudge(?:\s|$)")


@dataclass(frozen=True)
class CliExample:
    """One documented command with what the page says it prints."""

    page: str  # path under docs/
    line: int  # 1-based line of the `$ ` in the page
    command: str  # continuation lines joined
    output: tuple[str, ...]  # documented output, prompts and blank lines left out
    block: int  # 1-based line of its block's opening fence
    directive: str | None  # of its block

    @property
    def expected_error(self) -> str | None:
        return next((line for line in self.output if line.startswith("error: ")), None)

    @property
    def first_line(self) -> str | None:
        return self.output[0] if self.output else None

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


def _block_commands(
    page: str, start: int, lines: list[str], directive: str | None, only_cli: bool
) -> list[CliExample]:
    """The examples of one console block whose first line is page line `start`."""
    found: list[CliExample] = []
    index = 0
    while index < len(lines):
        text = lines[index]
        if not text.startswith("$ "):
            index += 1
            continue
        line = start + index
        command = text[2:]
        while command.endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command[:-1].rstrip() + " " + lines[index].strip()
        index += 1
        output = []
        while index < len(lines) and not lines[index].startswith("$ "):
            shown = lines[index].rstrip()
            if shown.strip() and "←" not in shown:
                output.append(shown)
            index += 1
        if not only_cli or _CLI.search(command):
            example = CliExample(page, line, command.strip(), tuple(output), start - 1, directive)
            found.append(example)
    return found


def _shell_commands(
    page: str, start: int, lines: list[str], directive: str | None
) -> list[CliExample]:
    """The `batchjudge` commands of a shell snippet (no prompts, no output shown)."""
    found = []
    index = 0
    while index < len(lines):
        line = start + index
        command = lines[index].strip()
        while command.endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command[:-1].rstrip() + " " + lines[index].strip()
        index += 1
        if not command.startswith("#") and _CLI.search(command):
            found.append(CliExample(page, line, command, (), start - 1, directive))
    return found


def page_examples(docs: Path, page: Path, only_cli: bool = True) -> list[CliExample]:
    """Every CLI example of one page (every `$ ` command with `only_cli=False`), in page
    order."""
    name = page.relative_to(docs).as_posix()
    lines = page.read_text(encoding="utf-8").splitlines()
    examples: list[CliExample] = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        indent, marker, info = fence.group(1), fence.group(2), fence.group(3)
        directive = None
        before = index - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and (comment := _DIRECTIVE.match(lines[before])) is not None:
            directive = comment.group(1)
            if directive not in DIRECTIVES:
                raise ValueError(f"docs/{name}:{before + 1}: unknown directive {directive!r}")
        closing = index + 1
        while closing < len(lines) and lines[closing].strip() != marker:
            closing += 1
        body = [line.removeprefix(indent) for line in lines[index + 1 : closing]]
        if info == "console":
            examples += _block_commands(name, index + 2, body, directive, only_cli)
        elif info in _SHELL:
            examples += _shell_commands(name, index + 2, body, directive)
        index = closing + 1
    return examples


def guide_examples(docs: Path) -> dict[str, list[CliExample]]:
    """Every page with CLI examples (by path under docs/), with its examples."""
    pages = {}
    for page in sorted(docs.rglob("*.md")):
        examples = page_examples(docs, page)
        if examples:
            pages[page.relative_to(docs).as_posix()] = examples
    return pages


def output_pattern(documented: str) -> re.Pattern[str]:
    """A documented output line as a pattern for a real one: numbers may differ, `…`
    (with what it is glued to) stands for anything, runs of spaces for any spacing."""
    parts = []
    for token in re.split(r"(…\S*|\d+|\s+)", documented.strip()):
        if not token:
            continue
        if token.startswith("…"):
            parts.append(".*")
        elif token.isdigit():
            parts.append(r"\d+")
        elif token.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts))


def shows_line(output: str, documented: str) -> bool:
    """Whether some line of `output` is the documented line."""
    pattern = output_pattern(documented)
    return any(pattern.fullmatch(line.strip()) for line in output.splitlines())

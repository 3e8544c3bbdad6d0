"""The student guide's example files, what docs/examples/students/expected.yaml claims for
each, and where the guide's pages include them."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from batchjudge.domain.styles import Style

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
EXAMPLES = DOCS / "examples" / "students"
MANIFEST = EXAMPLES / "expected.yaml"

#: A snippet line; what follows a colon is a section of the file (`file.py:fast_io`).
_INCLUDE = re.compile(r'--8<--\s+"examples/students/([^":]+)(?::[^"]*)?"')
_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)


@dataclass(frozen=True)
class GuideExample:
    """One example file and the verdicts the guide claims for it."""

    name: str  # relative to EXAMPLES, as in the manifest
    problem: Path
    language: str
    chosen_style: Style  # what the student chose in the form; auto: detect it
    style: Style  # the style it is graded in
    verdict: str
    tests: dict[str, str]
    others: str
    stop_on_failure: bool
    messages: dict[str, str]
    compile_output: str

    @property
    def path(self) -> Path:
        return EXAMPLES / self.name

    def expected_tests(self, names: list[str]) -> dict[str, str]:
        """The claimed verdict of each of the problem's tests, by name."""
        return {name: self.tests.get(name, self.others) for name in names}


def guide_examples() -> list[GuideExample]:
    """Every manifest entry, in the manifest's order."""
    entries = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return [
        GuideExample(
            name=name,
            problem=REPO / spec["problem"],
            language=spec["language"],
            chosen_style=Style(spec.get("chosen_style", "auto")),
            style=Style(spec["style"]),
            verdict=spec["verdict"],
            tests={str(k): str(v) for k, v in (spec.get("tests") or {}).items()},
            others=spec.get("others", "AC"),
            stop_on_failure=bool(spec.get("stop_on_failure", False)),
            messages={str(k): str(v) for k, v in (spec.get("messages") or {}).items()},
            compile_output=spec.get("compile_output", ""),
        )
        for name, spec in entries.items()
    ]


def example_files() -> set[str]:
    """Every file under EXAMPLES but the manifest, relative to EXAMPLES."""
    return {
        path.relative_to(EXAMPLES).as_posix()
        for path in EXAMPLES.rglob("*")
        if path.is_file() and path != MANIFEST
    }


@dataclass(frozen=True)
class Inclusion:
    """A page's snippet line including an example, with the text of its section (from the
    heading above the line to the next heading), where the page states the verdict."""

    page: Path
    name: str  # relative to EXAMPLES
    section: str


def inclusions() -> list[Inclusion]:
    """Every snippet inclusion of a student example in any page of the guide."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        starts = [0, *(m.start() for m in _HEADING.finditer(text)), len(text)]
        for match in _INCLUDE.finditer(text):
            begin = max(s for s in starts if s <= match.start())
            end = min(s for s in starts if s > match.start())
            found.append(Inclusion(page, match.group(1), text[begin:end]))
    return found

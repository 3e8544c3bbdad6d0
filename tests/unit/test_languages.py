"""Language folders: validation at load time, lookups, style detection, file naming."""

from pathlib import Path

import pytest

from batchjudge.domain.errors import ConfigError, LanguageError
from batchjudge.domain.styles import Style
from batchjudge.grading.submission import Submission, program_files, resolve_style
from batchjudge.languages.commands import render_command
from batchjudge.languages.registry import LanguageRegistry, load_language_folder

MINIMAL = """
id = "toy"
display_name = "Toy"
extensions = [".toy"]
source_name = "main.toy"
driver_files = {{ "d.toy" = "d.toy" }}
[styles]
program = ['^main']
solve = ['^solve']
[run]
command = {run}
[selftest]
source = "s.toy"
input = ""
expected = ""
"""


def write_language(root: Path, run: str = '["toy", "$source"]', **files: str) -> Path:
    folder = root / "toy"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "language.toml").write_text(MINIMAL.format(run=run))
    for name, text in {"d.toy": "", "s.toy": "", **files}.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def builtin() -> LanguageRegistry:
    return LanguageRegistry.load()


def test_builtin_has_the_five_languages_with_judge0_aliases(builtin):
    assert builtin.ids() == ["c", "cpp17", "java", "javascript", "python3"]
    for judge0_id, language in [
        (50, "c"),
        (54, "cpp17"),
        (71, "python3"),
        (62, "java"),
        (63, "javascript"),
    ]:
        assert builtin.get(str(judge0_id)).spec.id == language


def test_lookup_by_alias_and_extension(builtin):
    assert builtin.get("C++").spec.id == "cpp17"
    assert builtin.for_file(Path("x/Main.java")).spec.id == "java"
    assert builtin.for_file(Path("a.cc")).spec.id == "cpp17"


def test_unknown_language_names_the_known_ones(builtin):
    with pytest.raises(LanguageError, match="known: c, cpp17"):
        builtin.get("cobol")
    with pytest.raises(LanguageError, match="pass --lang"):
        builtin.for_file(Path("notes.txt"))


def test_unknown_placeholder_is_refused_at_load(tmp_path):
    folder = write_language(tmp_path, run='["toy", "$sourcefile"]')
    with pytest.raises(ConfigError, match=r"unknown placeholder \$sourcefile"):
        load_language_folder(folder, tmp_path)


def test_missing_driver_file_is_refused_at_load(tmp_path):
    folder = write_language(tmp_path)
    (folder / "d.toy").unlink()
    with pytest.raises(ConfigError, match=r"cannot read 'd\.toy'"):
        load_language_folder(folder, tmp_path)


def test_unknown_key_is_refused_with_its_location(tmp_path):
    folder = write_language(tmp_path)
    text = (folder / "language.toml").read_text().replace("[run]", "[run]\nnice = 3")
    (folder / "language.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"run\.nice"):
        load_language_folder(folder, tmp_path)


def test_a_language_is_added_with_data_only(tmp_path):
    write_language(tmp_path)
    registry = LanguageRegistry.load([tmp_path])
    assert registry.get("toy").spec.display_name == "Toy"
    assert "c" in registry.ids()


def test_commands_render_placeholders():
    assert render_command(
        ["x", "-Xmx${memory_mb}m", "$source"], {"memory_mb": "64", "source": "a"}
    ) == ["x", "-Xmx64m", "a"]


@pytest.mark.parametrize(
    ("language", "source", "style"),
    [
        ("c", "#include <stdio.h>\nint main(void) { return 0; }\n", Style.PROGRAM),
        ("c", "#include <stdio.h>\nvoid solve(void) { }\n", Style.SOLVE),
        ("cpp17", "void solve() {}\nint main() { solve(); }\n", Style.PROGRAM),
        ("cpp17", "#include <bits/stdc++.h>\nvoid solve() { }\n", Style.SOLVE),
        ("python3", "def solve():\n    print(input())\n", Style.SOLVE),
        (
            "python3",
            "import sys\ninput = sys.stdin.readline\nMOD = 7\ndef solve():\n    pass\n",
            Style.SOLVE,
        ),
        ("python3", "def solve():\n    pass\n\nsolve()\n", Style.PROGRAM),
        ("python3", "n = int(input())\nprint(n)\n", Style.PROGRAM),
        ("python3", "print(sum(map(int, open(0).read().split())))\n", Style.PROGRAM),
        ("java", "class A { static void solve() { } }\n", Style.SOLVE),
        ("java", "public class A { public static void main(String[] a) { } }\n", Style.PROGRAM),
        ("javascript", "function solve(input) { return input; }\n", Style.SOLVE),
        ("javascript", "const s = require('fs').readFileSync(0, 'utf8');\n", Style.PROGRAM),
        ("javascript", "function solve(x) {}\nprocess.stdin.on('data', solve);\n", Style.PROGRAM),
    ],
)
def test_auto_style_detection(builtin, language, source, style):
    assert resolve_style(Submission(builtin.get(language), source)) is style


def test_explicit_style_wins(builtin):
    submission = Submission(builtin.get("c"), "int main(){}", Style.SOLVE)
    assert resolve_style(submission) is Style.SOLVE


def test_java_file_is_named_after_its_public_class(builtin):
    java = builtin.get("java")
    name, files = program_files(Submission(java, "import x;\npublic final class Foo {}\n"))
    assert name == "Foo.java"
    assert "BatchjudgeDriver.java" in files
    assert program_files(Submission(java, "class Bar {}\n"))[0] == "Main.java"

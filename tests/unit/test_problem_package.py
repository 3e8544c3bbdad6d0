"""Loading Kattis problem packages: layout, order, defaults, refusals, custom validators."""

import time
from pathlib import Path

import pytest

from batchjudge.domain.errors import ProblemError
from batchjudge.problems import (
    CaseSpec,
    Problem,
    ProblemLimits,
    Validation,
    ValidationKind,
    load_problem,
)
from batchjudge.validation import ValidatorFlags

MINIMAL = {
    "problem.yaml": "name: Sum Pairs\n",
    "data/sample/1.in": "1 2\n",
    "data/sample/1.ans": "3\n",
}


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `files` (relative path -> content) under `root`; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@pytest.fixture
def package(tmp_path: Path):
    """Write a package named sum-pairs from MINIMAL updated with `files`."""

    def factory(files: dict[str, str | bytes] | None = None, **replace: str | None) -> Path:
        merged: dict[str, str | bytes] = {**MINIMAL, **(files or {})}
        for name, content in replace.items():
            path = name.replace("__", "/").replace("_DOT_", ".")
            if content is None:
                merged.pop(path, None)
            else:
                merged[path] = content
        return write(tmp_path / "sum-pairs", merged)

    return factory


def refusal(root: Path) -> str:
    with pytest.raises(ProblemError) as caught:
        load_problem(root)
    return str(caught.value)


# --- the happy path ------------------------------------------------------------------


def test_minimal_package_gets_the_defaults(package):
    root = package()
    problem = load_problem(root)
    assert problem == Problem(
        name="Sum Pairs",
        root=root,
        limits=ProblemLimits(time_limit_s=2.0, memory_mb=256, output_mb=8),
        validation=Validation(ValidationKind.DEFAULT, ValidatorFlags(), None),
        cases=(CaseSpec("sample/1", root / "data/sample/1.in", root / "data/sample/1.ans", True),),
    )


def test_relative_path_loads_to_an_absolute_root(package, monkeypatch):
    root = package()
    monkeypatch.chdir(root.parent)
    problem = load_problem(Path("sum-pairs"))
    assert problem.root == root
    assert problem.cases[0].read_answer() == b"3\n"


def test_limits_and_validation_are_read(package):
    root = package(
        {
            "problem.yaml": (
                "name: x\nlimits:\n  time_limit: 0.5\n  memory: 512\n  output: 16\n"
                "validation: default\nvalidator_flags: float_tolerance 1e-6 case_sensitive\n"
            )
        }
    )
    problem = load_problem(root)
    assert problem.limits == ProblemLimits(time_limit_s=0.5, memory_mb=512, output_mb=16)
    assert problem.validation.flags == ValidatorFlags(
        raw=("float_tolerance", "1e-6", "case_sensitive"),
        case_sensitive=True,
        absolute_tolerance=1e-6,
        relative_tolerance=1e-6,
    )


def test_integer_time_limit_and_yaml_text_exponent_are_numbers(package):
    assert (
        load_problem(package(problem_DOT_yaml="limits: {time_limit: 3}")).limits.time_limit_s == 3
    )
    # YAML 1.1 reads 1e-1 (no dot) as a string.
    problem = load_problem(package(problem_DOT_yaml="limits: {time_limit: 1e-1}"))
    assert problem.limits.time_limit_s == 0.1


def test_kattis_keys_batchjudge_does_not_use_are_accepted(package):
    yaml_text = """
problem_format_version: 2023-07-draft
type: pass-fail
uuid: 5ca8a2d4-6a2e-4b0e-8a39-0e6b0b6e4f0e
name: {en: Sum Pairs, sv: Summera par}
source: NCPC 2015
source_url: https://example.org
license: cc by-sa
author: Someone
rights_owner: Someone
keywords: [easy, math]
languages: all
limits:
  time_multiplier: 5
  time_safety_margin: 2
  time_multipliers: {ac_to_time_limit: 2.0, time_limit_to_tle: 1.5}
  time_resolution: 1.0
  code: 128
  compilation_time: 60
  validation_memory: 1024
  memory: 1024
"""
    problem = load_problem(package(problem_DOT_yaml=yaml_text))
    assert problem.name == "Sum Pairs"
    assert problem.limits == ProblemLimits(memory_mb=1024)


@pytest.mark.parametrize("yaml_text", ["", "# nothing\n", "limits:\nvalidator_flags:\n"])
def test_empty_problem_yaml_means_all_defaults(package, yaml_text):
    problem = load_problem(package(problem_DOT_yaml=yaml_text))
    assert problem.name == "sum-pairs"
    assert problem.limits == ProblemLimits()
    assert problem.validation == Validation()


def test_tests_are_ordered_samples_first_then_secret_by_path(package):
    tests = {
        f"data/{name}.{ext}": name
        for name in [
            "sample/2",
            "sample/10",
            "secret/b",
            "secret/07",
            "secret/group1/03",
            "secret/group1/01",
            "secret/a-b/1",
            "secret/a/2",
            "secret/group0/z/1",
        ]
        for ext in ("in", "ans")
    }
    problem = load_problem(
        package(tests, data__sample__1_DOT_in=None, data__sample__1_DOT_ans=None)
    )
    assert [case.name for case in problem.cases] == [
        "sample/10",
        "sample/2",
        "secret/07",
        "secret/a/2",
        "secret/a-b/1",
        "secret/b",
        "secret/group0/z/1",
        "secret/group1/01",
        "secret/group1/03",
    ]
    assert [case.is_sample for case in problem.cases] == [True] * 2 + [False] * 7
    assert [case.name for case in problem.samples] == ["sample/10", "sample/2"]


def test_secret_only_package_is_fine(package):
    root = package(
        {"data/secret/1.in": "", "data/secret/1.ans": ""},
        data__sample__1_DOT_in=None,
        data__sample__1_DOT_ans=None,
    )
    assert [case.name for case in load_problem(root).cases] == ["secret/1"]


def test_other_files_and_folders_are_ignored(package):
    root = package(
        {
            "data/sample/1.desc": "about",
            "data/sample/1.png": b"\x89PNG",
            "data/sample/1.in.statement": "shown",
            "data/secret/testdata.yaml": "output_validator_flags: case_sensitive\n",
            "data/secret/.hidden.in": "stray",
            "data/secret/._1.in": "macOS",
            "data/secret/2.in": "",
            "data/secret/2.ans": "",
            "data/invalid_input/bad.in": "x",
            "data/1.in": "top level",
            "problem_statement/problem.en.tex": "text",
            "submissions/accepted/a.py": "print(3)",
        }
    )
    problem = load_problem(root)
    assert [case.name for case in problem.cases] == ["sample/1", "secret/2"]


def test_symlinked_group_is_followed_and_a_loop_does_not_hang(package):
    root = package({"shared/5.in": "5", "shared/5.ans": "5"})
    (root / "data/secret").mkdir()
    (root / "data/secret/linked").symlink_to(root / "shared")
    (root / "data/secret/linked/loop").symlink_to(root / "data/secret")
    names = [case.name for case in load_problem(root).cases]
    assert names == ["sample/1", "secret/linked/5"]


# --- lazy test data ------------------------------------------------------------------


def test_test_files_are_read_on_demand(package):
    root = package({"data/sample/1.in": b"\x00\xff binary\n"})
    case = load_problem(root).cases[0]
    assert case.read_input() == b"\x00\xff binary\n"
    (root / "data/sample/1.ans").write_bytes(b"changed\n")
    assert case.read_answer() == b"changed\n"


def test_loading_reads_no_test_file(package, monkeypatch):
    root = package()

    def refuse(self: Path) -> bytes:
        raise AssertionError(f"read {self}")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    problem = load_problem(root)
    monkeypatch.undo()
    assert problem.cases[0].read_input() == b"1 2\n"


def test_a_vanished_test_file_is_a_problem_error_naming_the_test(package):
    root = package()
    case = load_problem(root).cases[0]
    (root / "data/sample/1.in").unlink()
    with pytest.raises(ProblemError, match=r"^test sample/1: cannot read .*1\.in"):
        case.read_input()


def test_a_thousand_tests_load_quickly(package):
    files: dict[str, str | bytes] = {}
    for group in range(10):
        for k in range(100):
            files[f"data/secret/g{group}/{k:03d}.in"] = "x" * 1000
            files[f"data/secret/g{group}/{k:03d}.ans"] = "y"
    root = package(files)
    started = time.perf_counter()
    problem = load_problem(root)
    assert time.perf_counter() - started < 1.0  # about 0.02 s here
    assert len(problem.cases) == 1001
    assert problem.cases[-1].name == "secret/g9/099"


# --- refusals ------------------------------------------------------------------------


def test_missing_problem_directory_is_refused(tmp_path):
    assert refusal(tmp_path / "nope") == f"{tmp_path / 'nope'}: no such problem directory"


def test_a_file_instead_of_a_directory_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    assert refusal(tmp_path / "file").endswith("file: no such problem directory")


def test_missing_problem_yaml_is_refused(package):
    assert refusal(package(problem_DOT_yaml=None)) == "sum-pairs: problem.yaml: missing"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("name: [unclosed\n", "not valid YAML"),
        ("- a list\n", "must be a mapping of keys to values"),
        ("just text\n", "must be a mapping of keys to values"),
        ("name: 3\n", "name must be a string"),
        ("limits: 5\n", "limits must be a mapping"),
        ("limits: {time_limit: -1}\n", "limits.time_limit must be a positive number"),
        ("limits: {time_limit: 0}\n", "limits.time_limit must be a positive number"),
        ("limits: {time_limit: fast}\n", "limits.time_limit must be a positive number"),
        ("limits: {time_limit: .nan}\n", "limits.time_limit must be a positive number"),
        ("limits: {time_limit: .inf}\n", "limits.time_limit must be a positive number"),
        ("limits: {time_limit: true}\n", "limits.time_limit must be a positive number"),
        ("limits: {time_limit: [1]}\n", "limits.time_limit must be a positive number"),
        ("limits: {memory: -256}\n", "limits.memory must be a positive whole number of MiB"),
        ("limits: {memory: 25.5}\n", "limits.memory must be a positive whole number of MiB"),
        ("limits: {memory: lots}\n", "limits.memory must be a positive whole number of MiB"),
        ("limits: {output: 0}\n", "limits.output must be a positive whole number of MiB"),
        ("limits: {timelimit: 1}\n", "limits.timelimit is not a known limit"),
        ("validation: magic\n", "validation 'magic' is not supported"),
        ("validation: custom interactive\n", "validation 'custom interactive' is not supported"),
        ("validation: [custom]\n", "validation must be 'default' or 'custom'"),
        ("type: interactive\n", "type interactive is not supported"),
        ("type: [pass-fail, multi-pass]\n", "type multi-pass is not supported"),
        ("type: 3\n", "type must be a string or a list of strings"),
        ("validator_flags: [case_sensitive]\n", "validator_flags must be a string"),
        ("validator_flags: case_insensitive\n", "validator_flags: unknown flag 'case_insensitive'"),
        ("validator_flags: float_tolerance\n", "float_tolerance needs a number after it"),
        ("validator_flags: float_tolerance x\n", "float_tolerance needs a finite number >= 0"),
    ],
)
def test_bad_problem_yaml_is_refused_naming_problem_and_file(package, yaml_text, message):
    text = refusal(package(problem_DOT_yaml=yaml_text))
    assert text.startswith("sum-pairs: problem.yaml: ")
    assert message in text


def test_non_utf8_problem_yaml_is_refused(package):
    root = package({"problem.yaml": b"name: \xff\n"})
    assert refusal(root) == "sum-pairs: problem.yaml: not UTF-8 text"


def test_missing_data_directory_is_refused(package):
    root = package(data__sample__1_DOT_in=None, data__sample__1_DOT_ans=None)
    assert refusal(root).startswith("sum-pairs: data/: missing")


def test_package_without_tests_is_refused(package):
    root = package(
        {"data/secret/notes.txt": "x"},
        data__sample__1_DOT_in=None,
        data__sample__1_DOT_ans=None,
    )
    assert refusal(root).startswith("sum-pairs: data/: no tests")


def test_input_without_answer_is_refused_naming_the_file(package):
    root = package({"data/secret/g1/07.in": "1"})
    assert refusal(root) == "sum-pairs: data/secret/g1/07.in: no matching .ans file"


def test_answer_without_input_is_refused_naming_the_file(package):
    root = package({"data/sample/2.ans": "1"})
    assert refusal(root) == "sum-pairs: data/sample/2.ans: no matching .in file"


# --- custom output validators --------------------------------------------------------

CUSTOM = "validation: custom\nvalidator_flags: any words --the-validator understands\n"


def test_legacy_python_validator_folder(package):
    root = package(
        {
            "problem.yaml": CUSTOM,
            "output_validators/checker/validate.py": "import helper\n",
            "output_validators/checker/helper.py": "X = 1\n",
            "output_validators/checker/data/table.txt": "1 2\n",
            "output_validators/checker/__pycache__/helper.cpython-311.pyc": b"\x00",
            "output_validators/checker/.gitignore": "*.pyc\n",
        }
    )
    validation = load_problem(root).validation
    assert validation.kind is ValidationKind.CUSTOM
    assert validation.flags == ValidatorFlags(
        raw=("any", "words", "--the-validator", "understands")
    )
    custom = validation.custom
    assert custom is not None
    assert (custom.language_id, custom.entry, custom.sources) == (
        "python3",
        "validate.py",
        ("validate.py",),
    )
    assert dict(custom.files) == {
        "data/table.txt": b"1 2\n",
        "helper.py": b"X = 1\n",
        "validate.py": b"import helper\n",
    }
    assert custom.origin == root / "output_validators/checker"


def test_single_python_file_in_a_folder_is_the_entry(package):
    root = package({"problem.yaml": CUSTOM, "output_validators/v/check.py": "pass\n"})
    custom = load_problem(root).validation.custom
    assert custom is not None
    assert (custom.language_id, custom.entry) == ("python3", "check.py")


def test_single_file_legacy_validator(package):
    root = package({"problem.yaml": CUSTOM, "output_validators/check.cpp": "int main(){}\n"})
    custom = load_problem(root).validation.custom
    assert custom is not None
    assert (custom.language_id, custom.entry, custom.sources) == (
        "cpp17",
        "check.cpp",
        ("check.cpp",),
    )
    assert dict(custom.files) == {"check.cpp": b"int main(){}\n"}


def test_cpp_validator_compiles_every_source_and_ships_headers(package):
    root = package(
        {
            "problem.yaml": CUSTOM,
            "output_validators/judge/geometry.cpp": "double area();\n",
            "output_validators/judge/validator.cpp": '#include "validate.h"\nint main() {}\n',
            "output_validators/judge/validate.h": "#pragma once\n",
            "output_validators/judge/build": "#!/bin/sh\n",
        }
    )
    custom = load_problem(root).validation.custom
    assert custom is not None
    assert custom.language_id == "cpp17"
    assert custom.entry == "validator.cpp"
    assert custom.sources == ("geometry.cpp", "validator.cpp")
    assert set(custom.files) == {"build", "geometry.cpp", "validate.h", "validator.cpp"}


def test_draft_output_validator_folder_makes_validation_custom(package):
    root = package(
        {"problem.yaml": "name: x\nproblem_format_version: 2023-07-draft\n"},
        output_validator__output_validator_DOT_py="print()\n",
    )
    validation = load_problem(root).validation
    assert validation.kind is ValidationKind.CUSTOM
    assert validation.custom is not None
    assert validation.custom.entry == "output_validator.py"


def test_validator_next_to_default_validation_is_ignored(package):
    root = package({"output_validators/broken/readme.md": "no sources at all"})
    validation = load_problem(root).validation
    assert (validation.kind, validation.custom) == (ValidationKind.DEFAULT, None)


def test_custom_validation_without_a_validator_is_refused(package):
    text = refusal(package(problem_DOT_yaml=CUSTOM))
    assert text.startswith("sum-pairs: problem.yaml: validation is custom but there is no output")


def test_custom_validation_with_two_validators_is_refused(package):
    root = package(
        {
            "problem.yaml": CUSTOM,
            "output_validators/a/validate.py": "",
            "output_validator/validate.py": "",
        }
    )
    assert refusal(root) == (
        "sum-pairs: problem.yaml: validation is custom but there are 2 output validators "
        "(output_validators/a, output_validator); batchjudge runs exactly one"
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"output_validators/v/a.py": "", "output_validators/v/b.cpp": ""},
            "sum-pairs: output_validators/v: both Python and C++ sources",
        ),
        (
            {"output_validators/v/a.py": "", "output_validators/v/b.py": ""},
            "sum-pairs: output_validators/v: several .py files (a.py, b.py) and no validate.py",
        ),
        (
            {"output_validators/v/Validator.java": "class V {}"},
            "sum-pairs: output_validators/v: no .py or .cpp source (Validator.java)",
        ),
        (
            {"output_validators/check.c": "int main(){}"},
            "sum-pairs: output_validators/check.c: no .py or .cpp source (check.c)",
        ),
        ({"output_validator/README": "x"}, "sum-pairs: output_validator: no .py or .cpp source"),
    ],
)
def test_unusable_validator_is_refused_naming_it(package, files, message):
    root = package({"problem.yaml": CUSTOM, **files})
    assert refusal(root).startswith(message)

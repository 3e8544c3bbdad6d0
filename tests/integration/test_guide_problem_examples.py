"""The teachers' guide (docs/teachers/problems.md) as a teacher would follow it: its example
package goes through the real importer and the real engine and gets the verdicts and the
messages the page shows; its validator_flags table and its upload errors are checked
against the default validator and the importer."""

import ast
import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.problems import ProblemVersion
from batchjudge.domain.errors import ProblemError, TooLargeError
from batchjudge.domain.reports import GradeReport
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.factory import local_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.problems.model import Problem, ValidationKind
from batchjudge.services.accounts import create_user
from batchjudge.services.problem_files import problem_for_version
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import latest_version
from batchjudge.settings import Settings
from batchjudge.storage.blobs import BlobStore
from batchjudge.validation.default import check_output
from batchjudge.validation.flags import ValidatorFlags, parse_default_flags, split_flags
from support.golden import verdicts_of

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGE = DOCS / "teachers" / "problems.md"
PAIR_SUM = DOCS / "examples" / "problems" / "pair-sum"
ACCEPTED = PAIR_SUM / "submissions" / "accepted" / "pairs.py"
WRONG = PAIR_SUM / "submissions" / "wrong_answer" / "same_position.py"
TESTS = [f"sample/{i}" for i in (1, 2)] + [f"secret/0{i}" for i in range(1, 7)]
#: What the page says the wrong submission gets, test by test, and the message it shows.
WRONG_VERDICTS = ["AC", "WA", "AC", "WA", "AC", "WA", "AC", "WA"]
SAME_POSITION = "positions 1 and 1 are the same; a pair needs two different positions"


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def _import(folder: Path, package: bytes, upload: str = "pair-sum.zip") -> ProblemVersion:
    """Upload `package` as a teacher would, into a fresh SQLite database under `folder`."""
    url = f"sqlite:///{folder / 'guide.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            teacher, _ = create_user(session, "tom", Role.TEACHER)
            session.flush()
            imported = import_package(
                session, BlobStore(folder / "blobs"), teacher, package, upload, ArchiveLimits()
            )
            version = latest_version(session, imported.problem_id)
            assert version is not None
            _ = version.tests  # loaded while the session is open
            return version
    finally:
        engine.dispose()


def _imported_problem(folder: Path) -> Problem:
    """The example package uploaded, stored, and unpacked again the way a worker does."""
    version = _import(folder, zip_folder(PAIR_SUM))
    assert (version.name, version.validation, len(version.tests)) == (
        "Pair sum",
        ValidationKind.CUSTOM,
        8,
    )
    return problem_for_version(
        version, BlobStore(folder / "blobs"), folder / "problems", ArchiveLimits()
    )


async def _grade_both(
    problem: Problem, settings: Settings, registry: LanguageRegistry
) -> tuple[GradeReport, GradeReport]:
    async with local_backend(settings) as backend:
        reports = []
        for source in (ACCEPTED, WRONG):
            submission = Submission(registry.for_file(source), source.read_text(), Style.AUTO)
            reports.append(
                await grade(problem, submission, backend, registry, GradeOptions(mode=Mode.MULTI))
            )
    return reports[0], reports[1]


@pytest.mark.sandbox
def test_the_custom_validator_example_grades_as_the_page_says(
    reachable_dir: Path, sandbox_settings: Settings, registry: LanguageRegistry
):
    problem = _imported_problem(reachable_dir)
    accepted, wrong = asyncio.run(_grade_both(problem, sandbox_settings, registry))

    assert [t.name for t in accepted.tests] == TESTS
    assert verdicts_of(accepted) == ["AC"] * 8, [(t.name, t.message) for t in accepted.tests]
    assert accepted.style is Style.SOLVE
    # One run execution for the 8 tests, and one validator execution per test.
    assert (accepted.run_executions, accepted.validator_executions) == (1, 8)

    assert wrong.style is Style.PROGRAM
    assert verdicts_of(wrong) == WRONG_VERDICTS, [(t.name, t.message) for t in wrong.tests]
    assert wrong.verdict.value == "WA"
    by_name = {t.name: t for t in wrong.tests}
    assert by_name["sample/2"].message == SAME_POSITION
    assert by_name["secret/06"].message == (
        "positions 140 and 140 are the same; a pair needs two different positions"
    )
    page = _page()
    assert SAME_POSITION in page
    assert "verdict WA" in page


def test_the_default_validator_would_reject_a_right_answer_of_the_example():
    """Why the example needs its own validator: the page quotes this rejection."""
    answer = (PAIR_SUM / "data/sample/1.ans").read_bytes()
    result = check_output(b"1 2\n", answer, ValidatorFlags())
    assert not result.accepted
    assert result.message == "token 1 differs (line 1): expected '3', got '1'"
    assert result.message in _page()


@pytest.mark.sandbox
def test_the_cli_example_grades_the_wrong_submission(sandbox_data_dir: Path):
    """The `batchjudge grade` command the page shows, run from the repository root."""
    command = [
        "grade",
        "docs/examples/problems/pair-sum",
        "docs/examples/problems/pair-sum/submissions/wrong_answer/same_position.py",
    ]
    assert f"batchjudge {' '.join(command)}" in " ".join(_page().split())
    result = subprocess.run(
        [sys.executable, "-m", "batchjudge", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "BATCHJUDGE_DATA_DIR": str(sandbox_data_dir)},
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("verdict WA   language python3   style program   mode multi")
    assert "run executions 1   validator executions 8" in lines[1]
    sample_2 = next(line for line in lines if line.startswith("sample/2 "))
    assert sample_2.split()[1] == "WA"
    assert sample_2.endswith(SAME_POSITION[:60])


def _flag_rows() -> list[tuple[str, str, str, str, str]]:
    """The rows of the page's validator_flags table, cells unquoted."""
    rows = []
    in_table = False
    for line in _page().splitlines():
        if line.startswith("| `validator_flags` | answer file |"):
            in_table = True
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table:
            cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split(" | ")]
            flags, answer, output, verdict, message = cells
            rows.append(
                (
                    "" if flags == "(none)" else flags,
                    ast.literal_eval(answer),
                    ast.literal_eval(output),
                    verdict,
                    message,
                )
            )
    return rows


def test_the_validator_flags_table_is_what_the_default_validator_does():
    rows = _flag_rows()
    assert len(rows) >= 10
    for flags, answer, output, verdict, message in rows:
        result = check_output(
            output.encode(), answer.encode(), parse_default_flags(split_flags(flags))
        )
        assert ("AC" if result.accepted else "WA", result.message) == (verdict, message), (
            flags,
            answer,
            output,
        )


def _broken_copy(tmp_path: Path, change: Callable[[Path], None]) -> bytes:
    copy = tmp_path / "pair-sum"
    shutil.copytree(PAIR_SUM, copy, ignore=shutil.ignore_patterns("submissions"))
    change(copy)
    return zip_folder(copy)


def _set_yaml(text: str) -> Callable[[Path], None]:
    return lambda root: (root / "problem.yaml").write_text(text)


def _two_folders() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(PAIR_SUM.rglob("*")):
            if path.is_file() and "submissions" not in path.parts:
                archive.write(path, "pair-sum/" + path.relative_to(PAIR_SUM).as_posix())
        archive.writestr("notes/readme.txt", "a second folder next to the package\n")
    return buffer.getvalue()


#: Each broken upload of the example and the message the page quotes for it.
BROKEN_UPLOADS: dict[str, tuple[Callable[[Path], None], str]] = {
    "time limit with a unit": (
        _set_yaml("name: Pair sum\nlimits:\n  time_limit: 1s\nvalidation: custom\n"),
        "pair-sum: problem.yaml: limits.time_limit must be a positive number",
    ),
    "memory in MB": (
        _set_yaml("name: Pair sum\nlimits:\n  memory: 128MB\nvalidation: custom\n"),
        "pair-sum: problem.yaml: limits.memory must be a positive whole number of MiB",
    ),
    "misspelt limit": (
        _set_yaml("name: Pair sum\nlimits:\n  timelimit: 1\nvalidation: custom\n"),
        "pair-sum: problem.yaml: limits.timelimit is not a known limit",
    ),
    "interactive": (
        _set_yaml("name: Pair sum\nvalidation: custom interactive\n"),
        "pair-sum: problem.yaml: validation 'custom interactive' is not supported (batchjudge "
        "compares one output per test: 'default' or 'custom')",
    ),
    "misspelt flag": (
        _set_yaml("name: Pair sum\nvalidation: default\nvalidator_flags: float_tolerence 1e-6\n"),
        "pair-sum: problem.yaml: validator_flags: unknown flag 'float_tolerence' (the default "
        "validator knows case_sensitive, space_change_sensitive, float_absolute_tolerance, "
        "float_relative_tolerance, float_tolerance)",
    ),
    "tolerance without a number": (
        _set_yaml("name: Pair sum\nvalidation: default\nvalidator_flags: float_tolerance\n"),
        "pair-sum: problem.yaml: validator_flags: float_tolerance needs a number after it",
    ),
    "no validator": (
        lambda root: shutil.rmtree(root / "output_validators"),
        "pair-sum: problem.yaml: validation is custom but there is no output validator "
        "(output_validators/<name>/ or output_validator/)",
    ),
    "validator in C": (
        lambda root: (root / "output_validators/pair_checker/validate.py").rename(
            root / "output_validators/pair_checker/validate.c"
        ),
        "pair-sum: output_validators/pair_checker: no .py or .cpp source (validate.c); "
        "batchjudge runs Python 3 or C++ validators",
    ),
    "answer missing": (
        lambda root: (root / "data/secret/03.ans").unlink(),
        "pair-sum: data/secret/03.in: no matching .ans file",
    ),
    "no data folder": (
        lambda root: shutil.rmtree(root / "data"),
        "pair-sum: data/: missing (tests go in data/sample, data/secret)",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_UPLOADS), ids=lambda case: case.replace(" ", "-"))
def test_each_upload_error_the_page_explains_is_the_importers(case: str, tmp_path: Path):
    change, expected = BROKEN_UPLOADS[case]
    package = _broken_copy(tmp_path, change)
    with pytest.raises(ProblemError) as refused:
        _import(tmp_path, package)
    assert str(refused.value) == expected
    assert expected in " ".join(_page().split())


def test_a_zip_with_a_second_folder_beside_the_package_is_named_after_the_upload(
    tmp_path: Path,
):
    with pytest.raises(ProblemError) as refused:
        _import(tmp_path, _two_folders(), upload="week3.zip")
    assert str(refused.value) == "week3: problem.yaml: missing"
    assert "week3: problem.yaml: missing" in _page()


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path):
    with pytest.raises(ProblemError) as refused:
        _import(tmp_path, b"\x1f\x8b\x08 a tar.gz, not a zip", upload="pair-sum.tar.gz")
    expected = "pair-sum.tar.gz: not a zip archive (File is not a zip file)"
    assert str(refused.value) == expected
    assert expected in _page()


def test_too_many_tests_is_a_413_message(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'guide.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            teacher, _ = create_user(session, "tom", Role.TEACHER)
            session.flush()
            with pytest.raises(TooLargeError) as refused:
                import_package(
                    session,
                    BlobStore(tmp_path / "blobs"),
                    teacher,
                    zip_folder(PAIR_SUM),
                    "pair-sum.zip",
                    ArchiveLimits(),
                    max_tests=5,
                )
    finally:
        engine.dispose()
    message = str(refused.value)
    assert message == "pair-sum: the package has 8 tests; a problem may have at most 5"
    assert re.sub(r"\d+", "N", message) in re.sub(r"\d+", "N", _page())


def test_the_zip_command_on_the_page_makes_an_importable_package(tmp_path: Path):
    command = ["-m", "zipfile", "-c", "pair-sum.zip", "pair-sum/"]
    assert "python3 " + " ".join(command) in _page()
    shutil.copytree(PAIR_SUM, tmp_path / "pair-sum")
    subprocess.run([sys.executable, *command], cwd=tmp_path, check=True, timeout=60)
    version = _import(tmp_path, (tmp_path / "pair-sum.zip").read_bytes())
    assert (version.name, len(version.tests), version.time_limit_s) == ("Pair sum", 8, 1.0)
    assert [t.name for t in version.tests] == TESTS
    assert [t.is_sample for t in version.tests] == [True, True] + [False] * 6

"""The `batchjudge` command as users run it: real process, real sandbox, bundled example."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.sandbox

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"
SUBMISSIONS = EXAMPLE / "submissions"

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def cli(sandbox_data_dir: Path) -> Cli:
    """Run `python -m batchjudge ARGS` with a data dir the sandbox uids may traverse."""
    env = {**os.environ, "BATCHJUDGE_DATA_DIR": str(sandbox_data_dir)}

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "batchjudge", *args],
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            cwd=REPO,
            timeout=300,
            check=False,
        )

    return run


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_grade_json_for_a_passing_solve_submission_uses_one_run_execution(cli: Cli):
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "solve.cpp"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "AC"
    assert report["language"] == "cpp17"
    assert report["style"] == "solve"
    assert report["mode"] == "multi"
    assert report["executions"] == 1
    assert report["compile"]["ok"] is True
    assert {"time_s", "output"} <= set(report["compile"])
    assert "validator_executions" in report
    assert len(report["tests"]) == 40
    assert report["tests"][0]["name"] == "sample/1"
    assert all(test["verdict"] == "AC" for test in report["tests"])
    assert all({"name", "verdict", "time_s", "memory_kb"} <= set(t) for t in report["tests"])
    assert report["wall_time_s"] > 0


def test_wrong_answers_still_cost_one_execution_and_exit_zero(cli: Cli):
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "wrong.c"), "--json", "--mode", "multi")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "WA"
    assert report["executions"] == 1
    assert any(test["verdict"] == "WA" for test in report["tests"])


def test_timeouts_cost_at_most_one_more_execution_each(cli: Cli):
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "slow.py"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    timeouts = sum(1 for test in report["tests"] if test["verdict"] == "TLE")
    assert report["verdict"] == "TLE"
    assert timeouts >= 1
    assert report["executions"] <= timeouts + 1


def test_single_mode_runs_one_execution_per_test_with_the_same_verdicts(cli: Cli):
    multi = json.loads(cli("grade", str(EXAMPLE), str(SUBMISSIONS / "wrong.c"), "--json").stdout)
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "wrong.c"), "--json", "--mode", "single")
    single = json.loads(result.stdout)
    assert single["mode"] == "single"
    assert single["executions"] == 40
    assert [t["verdict"] for t in single["tests"]] == [t["verdict"] for t in multi["tests"]]


def test_stop_on_failure_skips_the_rest(cli: Cli):
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "wrong.c"), "--json", "--stop-on-failure")
    report = json.loads(result.stdout)
    verdicts = [test["verdict"] for test in report["tests"]]
    first = next(i for i, v in enumerate(verdicts) if v != "AC")
    assert verdicts[first] == "WA"
    assert set(verdicts[first + 1 :]) <= {"SKIPPED"}


def test_the_table_lists_every_test(cli: Cli):
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "main.py"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verdict AC")
    assert "secret/" in result.stdout
    assert result.stdout.count("\n") >= 40


def test_lang_accepts_a_judge0_id(cli: Cli):
    result = cli("grade", str(EXAMPLE), str(SUBMISSIONS / "main.py"), "--lang", "71", "--json")
    assert json.loads(result.stdout)["language"] == "python3"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["grade", str(EXAMPLE), str(SUBMISSIONS / "solve.cpp"), "--lang", "cobol"], "cobol"),
        (["grade", str(REPO / "no-such-problem"), str(SUBMISSIONS / "solve.cpp")], "no-such"),
        (["grade", str(EXAMPLE), str(REPO / "README.md")], ".md"),
        (["grade", str(EXAMPLE), str(SUBMISSIONS / "missing.cpp")], "missing.cpp"),
        (["grade", str(EXAMPLE), str(SUBMISSIONS / "solve.cpp"), "--mode", "fast"], "fast"),
        (["grade", str(EXAMPLE)], "source"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(cli: Cli, args: list[str], expected: str):
    line = one_line_error(cli(*args))
    assert line.startswith("error: ")
    assert expected.lower() in line.lower()


def test_a_malformed_package_is_refused_naming_the_file(cli: Cli, tmp_path: Path):
    package = tmp_path / "broken"
    (package / "data" / "secret").mkdir(parents=True)
    (package / "problem.yaml").write_text("name: broken\nlimits: {time_limit: -3}\n")
    (package / "data" / "secret" / "1.in").write_text("1\n")
    line = one_line_error(cli("grade", str(package), str(SUBMISSIONS / "solve.cpp")))
    assert "problem.yaml" in line


def test_no_arguments_prints_the_help(cli: Cli):
    result = cli()
    assert result.returncode == 0
    for command in ("grade", "languages", "doctor"):
        assert command in result.stdout


def test_a_bad_setting_is_one_line_naming_the_variable(cli: Cli):
    line = one_line_error(cli("doctor", BATCHJUDGE_SANDBOX_SLOTS="many"))
    assert "BATCHJUDGE_SANDBOX_SLOTS" in line


def test_a_data_dir_the_sandbox_cannot_reach_is_one_line(cli: Cli, tmp_path: Path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    line = one_line_error(
        cli(
            "grade",
            str(EXAMPLE),
            str(SUBMISSIONS / "main.py"),
            BATCHJUDGE_DATA_DIR=str(private / "data"),
        )
    )
    assert "not reachable" in line


def test_the_default_data_dir_falls_back_when_the_sandbox_cannot_reach_it(tmp_path: Path):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATCHJUDGE_")}
    result = subprocess.run(
        [sys.executable, "-m", "batchjudge", "grade", str(EXAMPLE), str(SUBMISSIONS / "main.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=private,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verdict AC")
    assert "/var/tmp/batchjudge" in result.stderr
    assert result.stderr.startswith("warning: ")


def test_doctor_reports_the_isolation_in_force(cli: Cli):
    result = cli("doctor")
    assert result.returncode == 0
    assert "sandbox: full isolation" in result.stdout
    assert "seccomp filter: yes" in result.stdout


def test_languages_runs_every_self_test(cli: Cli):
    result = cli("languages")
    assert result.returncode == 0, result.stdout + result.stderr
    for language in ("c", "cpp17", "python3", "java", "javascript"):
        assert any(
            line.startswith(language + " ") and " ok " in line
            for line in result.stdout.splitlines()
        )

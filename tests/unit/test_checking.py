"""A custom output validator runs within `validator_timeout_s`; one that runs past it is
the problem's fault, so that test gets IE with a message, never WA."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from batchjudge.domain.errors import BackendError
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import CompileRequest, Program, RunRequest
from batchjudge.execution.outcome import ExecutionResult, Termination
from batchjudge.grading.checking import CustomChecker
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems import load_problem


@dataclass
class ValidatorRuns:
    """A backend whose every run ends as `termination` with `exit_code`."""

    termination: Termination
    exit_code: int | None
    runs: list[RunRequest] = field(default_factory=list)
    name: str = "scripted"

    async def compile(self, _request: CompileRequest) -> object:
        raise AssertionError("the checker is given its program already compiled")

    async def run(self, request: RunRequest) -> ExecutionResult:
        self.runs.append(request)
        wall = request.limits.wall_time_s
        return ExecutionResult(self.termination, self.exit_code, None, 0.01, wall, 1000, b"", b"")

    async def aclose(self) -> None:
        return None


def _checker(tmp_path: Path, backend: ValidatorRuns) -> CustomChecker:
    files = {
        "problem.yaml": "name: Slow\nvalidation: custom\n",
        "data/secret/1.in": "1\n",
        "data/secret/1.ans": "2\n",
        "output_validators/check/validate.py": "import sys\nsys.exit(42)\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    problem = load_problem(tmp_path)
    python = LanguageRegistry.load().get("python3")
    program = Program("python3", "validator", "scripted")
    command = ["python3", "validate.py"]
    return CustomChecker(problem, backend, python, program, command, timeout_s=2.5)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_validator_past_its_time_is_an_error_naming_the_bound(tmp_path: Path):
    backend = ValidatorRuns(Termination.TIME_LIMIT, None)
    with pytest.raises(BackendError) as failed:
        await _checker(tmp_path, backend).check(0, b"2\n")
    assert str(failed.value) == "the output validator took longer than 2.5 s on secret/1"
    limits = backend.runs[0].limits
    assert (limits.wall_time_s, limits.cpu_time_s, limits.memory_mb) == (2.5, 2.5, 1024)


@pytest.mark.anyio
async def test_a_validator_within_its_time_decides(tmp_path: Path):
    accepted = await _checker(tmp_path, ValidatorRuns(Termination.EXITED, 42)).check(0, b"2\n")
    assert accepted.verdict is Verdict.AC
    rejected = await _checker(tmp_path, ValidatorRuns(Termination.EXITED, 43)).check(0, b"3\n")
    assert rejected.verdict is Verdict.WA

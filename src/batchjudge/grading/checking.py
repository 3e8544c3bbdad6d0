"""Deciding AC or WA for a test that ended normally: default or custom output validator."""

from dataclasses import dataclass
from typing import Protocol

from batchjudge.domain.errors import BackendError
from batchjudge.domain.reports import ExecutionKind, ExecutionRecord
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import ExecutionBackend, Program, RunRequest
from batchjudge.execution.limits import ResourceLimits
from batchjudge.languages.registry import LanguageBundle
from batchjudge.problems.model import Problem
from batchjudge.validation.default import check_output

#: Kattis validator protocol exit codes.
_ACCEPT, _REJECT = 42, 43


@dataclass(frozen=True)
class CheckOutcome:
    """A validator's decision and the execution it cost, if any."""

    verdict: Verdict
    message: str
    execution: ExecutionRecord | None = None


class OutputChecker(Protocol):
    """Decides whether a test's output is right."""

    async def check(self, index: int, output: bytes) -> CheckOutcome:
        """Judge the output of test `index`."""
        ...


class DefaultChecker:
    """The Kattis default validator, run in-process."""

    def __init__(self, problem: Problem) -> None:
        self._problem = problem

    async def check(self, index: int, output: bytes) -> CheckOutcome:
        """Compare tokens against the test's answer file."""
        case = self._problem.cases[index]
        result = check_output(output, case.read_answer(), self._problem.validation.flags)
        return CheckOutcome(Verdict.AC if result.accepted else Verdict.WA, result.message)


class CustomChecker:
    """A problem's own validator, compiled once and run in the sandbox per test."""

    def __init__(
        self,
        problem: Problem,
        backend: ExecutionBackend,
        language: LanguageBundle,
        program: Program,
        command: list[str],
    ) -> None:
        self._problem = problem
        self._backend = backend
        self._language = language
        self._program = program
        self._command = command

    async def check(self, index: int, output: bytes) -> CheckOutcome:
        """Run the validator with the team output on stdin; 42 accepts, 43 rejects."""
        case = self._problem.cases[index]
        flags = list(self._problem.validation.flags.raw)
        request = RunRequest(
            language=self._language,
            program=self._program,
            command=[*self._command, "/work/input", "/work/answer", "/work/feedback/", *flags],
            stdin=output,
            limits=ResourceLimits(cpu_time_s=30.0, wall_time_s=60.0, memory_mb=1024),
            work_files={
                "input": case.read_input(),
                "answer": case.read_answer(),
                "feedback/judgemessage.txt": b"",
            },
        )
        result = await self._backend.run(request)
        record = ExecutionRecord(ExecutionKind.VALIDATOR, (case.name,), result.wall_time_s)
        message = (result.stdout + result.stderr)[:500].decode("utf-8", "replace").strip()
        if result.exit_code == _ACCEPT:
            return CheckOutcome(Verdict.AC, message, record)
        if result.exit_code == _REJECT:
            return CheckOutcome(Verdict.WA, message, record)
        raise BackendError(
            f"output validator failed on {case.name} "
            f"({result.termination}, exit {result.exit_code}): {message}"
        )

"""Deciding AC or WA for a test that ended normally: default or custom output validator."""

from dataclasses import dataclass
from typing import Protocol

from batchjudge.domain.errors import BackendError
from batchjudge.domain.reports import ExecutionKind, ExecutionRecord
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import ExecutionBackend, Program, RunRequest
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.outcome import Termination
from batchjudge.languages.registry import LanguageBundle
from batchjudge.problems.model import Problem
from batchjudge.validation.default import check_output

#: Kattis validator protocol exit codes.
_ACCEPT, _REJECT = 42, 43
#: Memory a custom validator may use (its time comes from `validator_timeout_s`).
_VALIDATOR_MEMORY_MB = 1024


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
    """A problem's own validator, compiled once and run in the sandbox per test, for at
    most `timeout_s` seconds (wall and CPU) each time."""

    def __init__(
        self,
        problem: Problem,
        backend: ExecutionBackend,
        language: LanguageBundle,
        program: Program,
        command: list[str],
        timeout_s: float = 30.0,
    ) -> None:
        self._problem = problem
        self._backend = backend
        self._language = language
        self._program = program
        self._command = command
        self._timeout_s = timeout_s

    async def check(self, index: int, output: bytes) -> CheckOutcome:
        """Run the validator with the team output on stdin; 42 accepts, 43 rejects.

        Raises:
            BackendError: the validator crashed or ran past `timeout_s`; that is the
                problem's fault, not the student's, so the test gets IE.
        """
        case = self._problem.cases[index]
        flags = list(self._problem.validation.flags.raw)
        request = RunRequest(
            language=self._language,
            program=self._program,
            command=[*self._command, "/work/input", "/work/answer", "/work/feedback/", *flags],
            stdin=output,
            limits=ResourceLimits(
                cpu_time_s=self._timeout_s,
                wall_time_s=self._timeout_s,
                memory_mb=_VALIDATOR_MEMORY_MB,
            ),
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
        if result.termination is Termination.TIME_LIMIT:
            raise BackendError(
                f"the output validator took longer than {self._timeout_s:g} s on {case.name}"
            )
        raise BackendError(
            f"output validator failed on {case.name} "
            f"({result.termination}, exit {result.exit_code}): {message}"
        )

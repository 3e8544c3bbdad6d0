"""Shared helpers of the engine tests: scripted test behaviours, a recording observer."""

from collections.abc import Callable
from typing import Any

from batchjudge.domain.reports import CaseResult, CompileReport, GradeReport
from batchjudge.domain.styles import Style
from batchjudge.execution.fake import FakeBackend, FakeTest
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageBundle, LanguageRegistry
from batchjudge.problems.package import load_problem


def echo(test_input: bytes) -> FakeTest:
    return FakeTest(output=test_input)


def failing_on(bad: set[int], how: FakeTest) -> Callable[[bytes], FakeTest]:
    def behave(test_input: bytes) -> FakeTest:
        return how if int(test_input) in bad else FakeTest(output=test_input)

    return behave


async def run(
    make_problem: Callable[..., Any],
    language: LanguageBundle,
    registry: LanguageRegistry,
    backend: FakeBackend,
    tests: int = 40,
    **options: Any,
) -> GradeReport:
    problem = load_problem(make_problem(tests=tests))
    submission = Submission(language, "main", Style.AUTO)
    return await grade(problem, submission, backend, registry, GradeOptions(**options))


class RecordingObserver:
    """Remembers every event with the number of run executions started before it."""

    def __init__(self, backend: FakeBackend) -> None:
        self.backend = backend
        self.events: list[tuple[str, int, str, int]] = []

    async def compiled(self, report: CompileReport) -> None:
        self.events.append(
            ("compiled", -1, "ok" if report.ok else "failed", len(self.backend.runs))
        )

    async def test_finished(self, position: int, result: CaseResult) -> None:
        self.events.append(("test", position, result.verdict.value, len(self.backend.runs)))

"""Progress of a grading as it happens, for whoever wants to show or store it."""

from typing import Protocol

from batchjudge.domain.reports import CaseResult, CompileReport


class GradingObserver(Protocol):
    """Told about the compile and each test's result as soon as they are known."""

    async def compiled(self, report: CompileReport) -> None:
        """The compile ended (or the cached program was found)."""
        ...

    async def test_finished(self, position: int, result: CaseResult) -> None:
        """Test `position` (in run order) has its final result."""
        ...


class NullObserver:
    """An observer that ignores everything."""

    async def compiled(self, report: CompileReport) -> None:
        """Ignore the compile."""

    async def test_finished(self, position: int, result: CaseResult) -> None:
        """Ignore the test."""

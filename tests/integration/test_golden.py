"""Golden cases: every submission under tests/golden gets its expected per-test verdicts,
in multi mode and in single mode alike (batching never changes a verdict)."""

import asyncio

import pytest

from batchjudge.domain.reports import GradeReport
from batchjudge.domain.styles import Mode
from batchjudge.execution.factory import local_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.package import load_problem
from batchjudge.settings import Settings
from support.golden import GoldenCase, golden_cases, verdicts_of


async def _grade_both(
    case: GoldenCase, settings: Settings, registry: LanguageRegistry
) -> tuple[GradeReport, GradeReport]:
    problem = load_problem(case.problem)
    bundle = registry.for_file(case.source)
    submission = Submission(bundle, case.source.read_text(), case.style)
    async with local_backend(settings) as backend:
        multi, single = await asyncio.gather(
            grade(problem, submission, backend, registry, GradeOptions(mode=Mode.MULTI)),
            grade(problem, submission, backend, registry, GradeOptions(mode=Mode.SINGLE)),
        )
    return multi, single


@pytest.mark.sandbox
@pytest.mark.parametrize("case", golden_cases(), ids=lambda c: f"{c.problem.name}/{c.source.name}")
def test_golden_case(case: GoldenCase, sandbox_settings: Settings, registry: LanguageRegistry):
    multi, single = asyncio.run(_grade_both(case, sandbox_settings, registry))
    details = [(t.name, t.verdict.value, t.message[:200]) for t in multi.tests]
    assert verdicts_of(multi) == case.verdicts, (multi.compile.output[:500], details)
    assert verdicts_of(single) == verdicts_of(multi)
    if multi.tests:
        assert multi.mode is Mode.MULTI
        assert single.mode is Mode.SINGLE
        failures = sum(1 for v in case.verdicts if v not in ("AC", "WA"))
        assert multi.run_executions <= failures + 1
        assert single.run_executions == len(case.verdicts)

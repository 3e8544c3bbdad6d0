"""Golden cases: every submission under tests/golden gets its expected per-test verdicts,
in multi mode and in single mode alike (batching never changes a verdict)."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from batchjudge.domain.reports import GradeReport
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.factory import local_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.package import load_problem
from batchjudge.settings import Settings

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@dataclass(frozen=True)
class GoldenCase:
    problem: Path
    source: Path
    style: Style
    verdicts: list[str]


def _cases() -> list[GoldenCase]:
    cases = []
    for expected_file in sorted(GOLDEN.glob("*/expected.yaml")):
        problem = expected_file.parent
        for name, spec in yaml.safe_load(expected_file.read_text()).items():
            cases.append(
                GoldenCase(
                    problem=problem,
                    source=problem / "submissions" / name,
                    style=Style(spec.get("style", "auto")),
                    verdicts=[str(v) for v in spec["verdicts"]],
                )
            )
    return cases


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


def _verdicts(report: GradeReport) -> list[str]:
    if not report.tests:
        return [report.verdict.value]
    return [test.verdict.value for test in report.tests]


@pytest.mark.sandbox
@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c.problem.name}/{c.source.name}")
def test_golden_case(case: GoldenCase, sandbox_settings: Settings, registry: LanguageRegistry):
    multi, single = asyncio.run(_grade_both(case, sandbox_settings, registry))
    details = [(t.name, t.verdict.value, t.message[:200]) for t in multi.tests]
    assert _verdicts(multi) == case.verdicts, (multi.compile.output[:500], details)
    assert _verdicts(single) == _verdicts(multi)
    if multi.tests:
        assert multi.mode is Mode.MULTI
        assert single.mode is Mode.SINGLE
        failures = sum(1 for v in case.verdicts if v not in ("AC", "WA"))
        assert multi.run_executions <= failures + 1
        assert single.run_executions == len(case.verdicts)

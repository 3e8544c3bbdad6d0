"""The golden cases under tests/golden: a problem, a submission and its expected per-test
verdicts, read from each problem's expected.yaml."""

from dataclasses import dataclass
from pathlib import Path

import yaml

from batchjudge.domain.reports import GradeReport
from batchjudge.domain.styles import Style

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@dataclass(frozen=True)
class GoldenCase:
    problem: Path
    source: Path
    style: Style
    verdicts: list[str]


def golden_cases() -> list[GoldenCase]:
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


def verdicts_of(report: GradeReport) -> list[str]:
    if not report.tests:
        return [report.verdict.value]
    return [test.verdict.value for test in report.tests]

"""Proving each language works here: its self-test program graded through the real engine."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.backend import ExecutionBackend
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageBundle, LanguageRegistry
from batchjudge.problems.package import load_problem


@dataclass(frozen=True)
class SelfTestResult:
    """Whether a language's self-test passed, and why not."""

    language_id: str
    display_name: str
    ok: bool
    detail: str
    wall_time_s: float


def _write_problem(root: Path, bundle: LanguageBundle) -> None:
    test = bundle.spec.selftest
    (root / "data" / "sample").mkdir(parents=True)
    (root / "problem.yaml").write_text(yaml.safe_dump({"name": f"selftest-{bundle.spec.id}"}))
    (root / "data" / "sample" / "1.in").write_text(test.input)
    (root / "data" / "sample" / "1.ans").write_text(test.expected)


async def run_selftest(
    bundle: LanguageBundle, backend: ExecutionBackend, registry: LanguageRegistry
) -> SelfTestResult:
    """Grade the language's self-test program against its expected output."""
    spec = bundle.spec
    with tempfile.TemporaryDirectory(prefix="bj-selftest-") as folder:
        root = Path(folder)
        _write_problem(root, bundle)
        problem = load_problem(root)
        source = bundle.read(spec.selftest.source).decode()
        submission = Submission(bundle, source, Style(spec.selftest.style))
        report = await grade(problem, submission, backend, registry, GradeOptions(mode=Mode.MULTI))
    ok = report.verdict is Verdict.AC
    if ok:
        detail = "ok"
    elif report.verdict is Verdict.CE:
        detail = "compile failed: " + report.compile.output.strip()[:300]
    else:
        test = report.tests[0] if report.tests else None
        detail = f"{report.verdict}: {(test.message if test else report.message)[:300]}"
    return SelfTestResult(spec.id, spec.display_name, ok, detail, report.wall_time_s)

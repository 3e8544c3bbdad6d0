"""The student guide's examples (docs/examples/students) get, from the real engine and the
local sandbox, the verdicts the guide claims (docs/examples/students/expected.yaml), and
the manifest, the example files and the pages cannot drift apart."""

import asyncio
import re

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
from support.golden import verdicts_of
from support.student_examples import GuideExample, example_files, guide_examples, inclusions

EXAMPLES = guide_examples()


async def _grade(example: GuideExample, settings: Settings, registry: LanguageRegistry):
    """Grade the file as the service would (the style the student chose, mode auto), or
    one test per execution up to the first failure where the manifest says so."""
    problem = load_problem(example.problem)
    bundle = registry.for_file(example.path)
    source = example.path.read_text(encoding="utf-8")
    submission = Submission(bundle, source, example.chosen_style)
    if example.stop_on_failure:
        options = GradeOptions(mode=Mode.SINGLE, stop_on_failure=True)
    else:
        options = GradeOptions()
    async with local_backend(settings) as backend:
        report = await grade(problem, submission, backend, registry, options)
    return problem, report


def _details(report: GradeReport) -> list[tuple[str, str, str]]:
    return [(t.name, t.verdict.value, t.message[:300]) for t in report.tests if t.verdict != "AC"]


@pytest.mark.sandbox
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_gets_the_claimed_verdicts(
    example: GuideExample, sandbox_settings: Settings, registry: LanguageRegistry
):
    problem, report = asyncio.run(_grade(example, sandbox_settings, registry))
    assert report.language == example.language
    assert report.style is example.style
    assert report.verdict.value == example.verdict, (report.compile.output[:500], _details(report))
    if example.verdict == "CE":
        assert verdicts_of(report) == ["CE"]
        assert example.compile_output in report.compile.output
        return
    names = [case.name for case in problem.cases]
    got = {test.name: test.verdict.value for test in report.tests}
    assert got == example.expected_tests(names), _details(report)
    messages = {test.name: test.message for test in report.tests}
    for name, text in example.messages.items():
        assert text in messages[name], messages[name]


def test_every_example_file_is_in_the_manifest():
    assert example_files() == {example.name for example in EXAMPLES}


def test_every_claim_names_real_tests_and_verdicts():
    verdicts = {"AC", "WA", "TLE", "MLE", "OLE", "RE", "CE", "SKIPPED"}
    for example in EXAMPLES:
        names = {case.name for case in load_problem(example.problem).cases}
        assert set(example.tests) <= names, example.name
        assert set(example.messages) <= names, example.name
        assert {example.verdict, example.others, *example.tests.values()} <= verdicts
        assert example.compile_output or example.verdict != "CE", example.name


def test_every_example_is_shown_with_its_verdict_on_a_page():
    """Each file is included by a page, and the section including it names the verdict
    claimed for it and, when a few tests are singled out, those tests."""
    shown = inclusions()
    assert {i.name for i in shown} >= {e.name for e in EXAMPLES}
    by_name = {example.name: example for example in EXAMPLES}
    for inclusion in shown:
        example = by_name[inclusion.name]  # a page includes no file the manifest lacks
        where = f"{inclusion.page.name}: {inclusion.name}"
        assert re.search(rf"\b{example.verdict}\b", inclusion.section), where
        if len(example.tests) <= 4:
            for test in example.tests:
                assert test in inclusion.section, f"{where} does not name {test}"

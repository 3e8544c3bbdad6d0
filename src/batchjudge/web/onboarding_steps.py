"""The onboarding tour as data: which steps exist, what they say, where and when they show.

Each step follows the seed design's `OnboardingStep` interface, plus where it belongs:

- `id`: a stable slug; the browser records it as the `step` of a `step` event.
- `title`, `description`: plain text. In `description` a blank line starts a new
  paragraph, a paragraph whose lines all begin with "- " is a list, and `backticks` mark
  code. The script builds the markup itself (never innerHTML), so no HTML gets through.
- `component`: `modal` (a centred dialog), `tooltip` (a popover pointing at the target, a
  bottom sheet on a phone) or `highlight` (a halo around the target and a short caption).
- `trigger`: `first-visit` (the tour that starts by itself on a new student's first
  page), `feature-discovery` (shown the first time the user reaches `page`) or `manual`
  (only when the tour is restarted from the Help menu). A restarted tour shows every step
  that fits the page, whatever its trigger.
- `completion_metric`: the event the step records when it is shown (`step:<id>`).
- `page`: the page the step belongs on (the body's `data-page`, set by each template's
  `page_id` block), or `any`.
- `target`: the CSS selector of the element a tooltip or highlight points at (a modal has
  none). A step whose target is missing or hidden on the page is skipped.

The steps of a tour are shown in the order listed, filtered to those that fit the page.
"""

from dataclasses import dataclass
from enum import StrEnum


class Component(StrEnum):
    """How a step is drawn."""

    TOOLTIP = "tooltip"
    MODAL = "modal"
    HIGHLIGHT = "highlight"


class Trigger(StrEnum):
    """What shows a step without the user asking."""

    FIRST_VISIT = "first-visit"
    FEATURE_DISCOVERY = "feature-discovery"
    MANUAL = "manual"


#: `page` of a step that fits every page.
ANY_PAGE = "any"


@dataclass(frozen=True)
class OnboardingStep:
    """One step of a tour (see the module docstring for each field)."""

    id: str
    title: str
    description: str
    component: Component
    trigger: Trigger
    page: str = ANY_PAGE
    target: str | None = None

    @property
    def completion_metric(self) -> str:
        """The event recorded when the step is shown: action `step` with this id."""
        return f"step:{self.id}"

    def public(self) -> dict[str, str | None]:
        """The step as the browser's tour engine reads it."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "component": self.component.value,
            "trigger": self.trigger.value,
            "completion_metric": self.completion_metric,
            "page": self.page,
            "target": self.target,
        }


def _tour(*steps: OnboardingStep) -> tuple[OnboardingStep, ...]:
    """`steps`, checked once: unique ids, and a target for every non-modal step."""
    ids = [step.id for step in steps]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate step ids in {ids}")
    for step in steps:
        if (step.target is None) != (step.component is Component.MODAL):
            raise ValueError(f"step {step.id}: a modal has no target, anything else needs one")
    return steps


def _anchor(name: str) -> str:
    return f'[data-tour="{name}"]'


#: The tour every student meets, in the order its steps are shown.
WELCOME_TOUR = "welcome"

#: The body's `data-page` of the pages that have steps of their own (set by the student
#: pages' templates).
PROBLEM_PAGE = "problem"
SUBMISSION_PAGE = "submission"

_WELCOME = _tour(
    OnboardingStep(
        id="multi-test",
        title="Welcome! All your tests run in one go",
        description=(
            "When you submit code, batchjudge runs all the tests of the problem in one "
            "execution of your code, instead of starting it again for every test. "
            "That is why your results come back quickly.\n\n"
            "Each test is still kept apart from the others:\n\n"
            "- If your code crashes on one test, only that test gets a crash verdict (RE).\n"
            "- A wrong answer (WA) on one test does not change the verdict of any other test.\n"
            "- Results arrive test by test, so you can watch them come in."
        ),
        component=Component.MODAL,
        trigger=Trigger.FIRST_VISIT,
    ),
    OnboardingStep(
        id="problems",
        title="Problems",
        description=("Start here: open a problem to read it, write your code and submit it."),
        component=Component.TOOLTIP,
        trigger=Trigger.FIRST_VISIT,
        target=_anchor("nav-problems"),
    ),
    OnboardingStep(
        id="code-styles",
        title="Two ways to write your code",
        description=(
            "A whole program: it reads the input of one test from standard input and "
            "writes its answer to standard output, as usual. It is given one test at a time.\n\n"
            "A `solve()` function: it handles exactly one test, and our driver calls it "
            "once for each test, all in the same execution. So:\n\n"
            "- read exactly one test's input in each call, no more and no less;\n"
            "- do not rely on global variables kept from one test to the next;\n"
            "- flush what you print before `solve()` returns.\n\n"
            "You do not have to say which one you wrote: the style Auto detects it. "
            "You can still choose it yourself on each problem's page."
        ),
        component=Component.MODAL,
        trigger=Trigger.FIRST_VISIT,
    ),
    OnboardingStep(
        id="style",
        title="Program or solve()?",
        description=(
            "Auto detects which one you wrote. Choose Program if your code reads standard "
            "input and prints one test's answer; choose `solve()` if it is a function that "
            "handles exactly one test and is called once per test."
        ),
        component=Component.TOOLTIP,
        trigger=Trigger.FEATURE_DISCOVERY,
        page=PROBLEM_PAGE,
        target=_anchor("style-select"),
    ),
    OnboardingStep(
        id="editor",
        title="Your code",
        description=(
            "Write or paste your code here. With `solve()`: read only one test's input per "
            "call, keep nothing in globals between calls, and flush your output."
        ),
        component=Component.HIGHLIGHT,
        trigger=Trigger.FEATURE_DISCOVERY,
        page=PROBLEM_PAGE,
        target=_anchor("editor"),
    ),
    OnboardingStep(
        id="submit",
        title="Submit",
        description=(
            "Submitting runs every test of the problem in one execution. You then see "
            "your results, test by test, as they arrive."
        ),
        component=Component.TOOLTIP,
        trigger=Trigger.FEATURE_DISCOVERY,
        page=PROBLEM_PAGE,
        target=_anchor("submit-button"),
    ),
    OnboardingStep(
        id="submissions",
        title="Your results",
        description=(
            "Every submission you made is listed here with its verdict. Open one to see "
            "each test's verdict and how many executions your code needed."
        ),
        component=Component.TOOLTIP,
        trigger=Trigger.FIRST_VISIT,
        target=_anchor("nav-submissions"),
    ),
    OnboardingStep(
        id="results",
        title="One row per test",
        description=(
            "Each test fills in its own row as soon as it is judged. A crash or a wrong "
            "answer marks only its own row."
        ),
        component=Component.HIGHLIGHT,
        trigger=Trigger.FEATURE_DISCOVERY,
        page=SUBMISSION_PAGE,
        target=_anchor("results-table"),
    ),
    OnboardingStep(
        id="executions",
        title="Executions",
        description=(
            "The number of executions: how many times your code was started to run all "
            "the tests. Usually 1. A crash ends an execution and the tests after it run in "
            "a new one, so a crash or two can make it 2 or 3; each test keeps its own verdict."
        ),
        component=Component.TOOLTIP,
        trigger=Trigger.FEATURE_DISCOVERY,
        page=SUBMISSION_PAGE,
        target=_anchor("executions"),
    ),
    OnboardingStep(
        id="help",
        title="See this again",
        description="Open Help and choose \u201cRestart the tour\u201d whenever you like.",
        component=Component.HIGHLIGHT,
        trigger=Trigger.FIRST_VISIT,
        # base.html's Help menu has no data-tour anchor (yet): its summary stands in.
        target=f"{_anchor('help')}, .help-menu > summary",
    ),
)

#: Every tour by name.
TOURS: dict[str, tuple[OnboardingStep, ...]] = {WELCOME_TOUR: _WELCOME}


def step_ids(tour: str) -> frozenset[str]:
    """The ids of `tour`'s steps (empty for an unknown tour)."""
    return frozenset(step.id for step in TOURS.get(tour, ()))

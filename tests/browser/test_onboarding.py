"""The onboarding tour in a real browser: it starts by itself for a new student, walks
through with the keyboard and the mouse, and its completion shows in the adoption figures;
Escape dismisses it for good, the Help menu restarts it, a step without its target is
skipped, and each page's tips show once."""

import itertools
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from batchjudge.problems.archive import zip_folder
from support.browsing import INSTITUTION, SCREENSHOTS, WIDTHS, Site, Visit
from support.service_process import token_of

pytestmark = pytest.mark.browser

PASSWORD = "a-new-student-1"
#: The welcome tour on the problem list: welcome, Problems, the two styles, Your results, Help.
WELCOME_STEPS = 5
PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"
_names = itertools.count(1)


def write_package(root: Path) -> Path:
    files = {
        "problem.yaml": "name: Add two\nlimits:\n  time_limit: 2\n  memory: 256\n",
        "problem_statement/problem.en.md": "# Add two\n\nPrint the sum of *a* and *b*.\n",
        "data/sample/1.in": "1 2\n",
        "data/sample/1.ans": "3\n",
        "data/secret/1.in": "5 6\n",
        "data/secret/1.ans": "11\n",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


@pytest.fixture(scope="module")
def problem_id(site: Site) -> Iterator[int]:
    folder = Path(tempfile.mkdtemp(prefix="bj-onboarding-"))
    try:
        package = zip_folder(write_package(folder / "add-two"))
        with site.server.client(site.tokens["tom"]) as tom:
            uploaded = tom.post(
                "/api/v1/problems", files={"package": ("add-two.zip", package, "application/zip")}
            )
        assert uploaded.status_code == 201, uploaded.text
        yield int(uploaded.json()["id"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_student(site: Site) -> tuple[str, str]:
    """A student who never signed in: (name, API token)."""
    name = f"newcomer{next(_names)}"
    made = site.server.cli(
        "users", "create", name, "--role", "student", "--institution", INSTITUTION
    )
    site.server.cli("users", "set-password", name, stdin=PASSWORD + "\n")
    return name, token_of(made)


def sign_in(visit: Visit, name: str, then: str = "") -> None:
    visit.go("/login" + (f"?next={then}" if then else ""))
    visit.page.get_by_label("Name").fill(name)
    visit.page.get_by_label("Password").fill(PASSWORD)
    visit.page.get_by_role("button", name="Sign in").click()
    visit.page.wait_for_load_state()


def progress(site: Site, token: str) -> dict:
    with site.server.client(token) as client:
        answer = client.get("/api/v1/onboarding")
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for_status(visit: Visit, token: str, status: str) -> dict:
    """The progress once its status is `status` (events are sent in the background).
    Waits with the page's clock, never time.sleep: the guard that lets the page's
    requests through runs only while Playwright is waited on."""
    deadline = time.monotonic() + 10
    while (found := progress(visit.site, token))["status"] != status:
        assert time.monotonic() < deadline, found
        visit.page.wait_for_timeout(100)
    return found


def tour(page: Page) -> Locator:
    return page.get_by_role("dialog")


def expect_step(page: Page, title: str, position: str, component: str) -> Locator:
    dialog = tour(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(title)
    expect(dialog.locator(".tour-progress")).to_have_text(f"Step {position}")
    expect(dialog).to_have_class(re.compile(rf"\btour-{component}\b"))
    return dialog


def shoot_screen(visit: Visit, name: str) -> None:
    """Like Visit.shoot, but of the screen rather than the whole page: a step is drawn
    over the viewport (fixed, a sheet at its bottom), which a full-page capture misplaces."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        visit.page.set_viewport_size({"width": width, "height": 800})
        visit.page.wait_for_timeout(250)  # the resize re-places the step in a frame
        visit.page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png")
    visit.page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    visit.page.wait_for_timeout(250)


def assert_on_screen(page: Page, locator: Locator) -> None:
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    assert box["x"] >= 0, box
    assert box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"] + 0.5, (box, viewport)
    assert box["y"] + box["height"] <= viewport["height"] + 0.5, (box, viewport)


def test_the_onboarding_tour_completes_and_its_completion_appears_in_adoption(
    visit: Visit, site: Site
):
    page = visit.page
    visit.sign_in("sam")  # never signed in before: the tour starts by itself
    assert page.url.endswith("/problems")

    welcome = expect_step(
        page, "Welcome! All your tests run in one go", f"1 of {WELCOME_STEPS}", "modal"
    )
    expect(welcome).to_contain_text("one execution")
    expect(welcome).to_contain_text("does not change the verdict of any other test")
    expect(welcome.get_by_role("button", name="Next")).to_be_focused()
    expect(welcome.get_by_role("button", name="Back")).to_be_hidden()
    assert welcome.get_attribute("aria-describedby") == "tour-body"
    page.keyboard.press("Enter")  # keyboard

    problems = expect_step(page, "Problems", f"2 of {WELCOME_STEPS}", "tooltip")
    expect(page.locator(".tour-halo")).to_be_visible()
    problems.get_by_role("button", name="Back").click()  # and back again
    expect_step(page, "Welcome! All your tests run in one go", f"1 of {WELCOME_STEPS}", "modal")
    tour(page).get_by_role("button", name="Next").click()  # mouse
    expect_step(page, "Problems", f"2 of {WELCOME_STEPS}", "tooltip")
    tour(page).get_by_role("button", name="Next").click()

    styles = expect_step(page, "Two ways to write your code", f"3 of {WELCOME_STEPS}", "modal")
    expect(styles.locator("code").first).to_have_text("solve()")
    # The controls in order: Skip tour, Back, Next (focused).
    page.keyboard.press("Shift+Tab")
    expect(styles.get_by_role("button", name="Back")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(styles.get_by_role("button", name="Skip tour")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(styles.get_by_role("button", name="Next")).to_be_focused()
    page.keyboard.press("Space")

    expect_step(page, "Your results", f"4 of {WELCOME_STEPS}", "tooltip")
    page.keyboard.press("Enter")
    last = expect_step(page, "See this again", f"5 of {WELCOME_STEPS}", "highlight")
    expect(last.get_by_role("button", name="Done")).to_be_focused()
    last.get_by_role("button", name="Done").click()
    expect(tour(page)).to_be_hidden()
    expect(page.locator(".tour-halo")).to_have_count(0)

    mine = wait_for_status(visit, site.tokens["sam"], "completed")
    assert mine["seen_steps"] == ["multi-test", "problems", "code-styles", "submissions", "help"]

    # The figures are cached for a few seconds: ask until the completion shows.
    deadline = time.monotonic() + 20
    with site.server.client(site.tokens["ada"]) as ada:
        while True:
            answer = ada.get("/api/v1/monitoring/adoption")
            assert answer.status_code == 200, answer.text
            onboarding = answer.json()["onboarding"]
            if onboarding["completed"] == 1 or time.monotonic() > deadline:
                break
            page.wait_for_timeout(500)
    assert (onboarding["started"], onboarding["completed"]) == (1, 1)
    assert onboarding["completion_rate"] == 1.0
    assert onboarding["tracked"] is True

    page.reload()  # completed: it does not start again
    page.wait_for_load_state("networkidle")
    expect(tour(page)).to_have_count(0)


def test_escape_dismisses_the_tour_and_it_does_not_start_again(visit: Visit, site: Site):
    name, token = new_student(site)
    page = visit.page
    sign_in(visit, name)
    expect_step(page, "Welcome! All your tests run in one go", f"1 of {WELCOME_STEPS}", "modal")
    page.keyboard.press("Escape")
    expect(tour(page)).to_be_hidden()
    assert wait_for_status(visit, token, "dismissed")["seen_steps"] == ["multi-test"]

    page.get_by_role("link", name="My submissions").click()
    page.wait_for_url(re.compile(r"/submissions$"))
    page.wait_for_load_state("networkidle")
    expect(tour(page)).to_have_count(0)
    assert progress(site, token)["status"] == "dismissed"


def test_skip_tour_mid_way_records_dismissed(visit: Visit, site: Site):
    name, token = new_student(site)
    page = visit.page
    sign_in(visit, name)
    tour(page).get_by_role("button", name="Next").click()
    expect_step(page, "Problems", f"2 of {WELCOME_STEPS}", "tooltip")
    tour(page).get_by_role("button", name="Skip tour").click()
    expect(tour(page)).to_be_hidden()
    found = wait_for_status(visit, token, "dismissed")
    assert found["seen_steps"] == ["multi-test", "problems"]


def test_the_help_menu_restarts_the_tour_and_focus_comes_back(visit: Visit, site: Site):
    name, token = new_student(site)
    page = visit.page
    sign_in(visit, name)
    expect(tour(page)).to_be_visible()
    page.keyboard.press("Escape")
    wait_for_status(visit, token, "dismissed")

    help_menu = page.locator(".help-menu > summary")
    help_menu.focus()
    page.keyboard.press("Enter")  # opens the menu
    restart = page.get_by_role("button", name="Restart the tour")
    restart.focus()
    page.keyboard.press("Enter")
    expect_step(page, "Welcome! All your tests run in one go", f"1 of {WELCOME_STEPS}", "modal")
    for _ in range(WELCOME_STEPS - 1):
        page.keyboard.press("Enter")
    expect(tour(page).get_by_role("button", name="Done")).to_be_focused()
    page.keyboard.press("Enter")
    expect(tour(page)).to_be_hidden()
    expect(help_menu).to_be_focused()
    assert wait_for_status(visit, token, "completed")["seen_steps"][-1] == "help"


def test_a_step_whose_target_is_missing_is_skipped(visit: Visit, site: Site):
    name, token = new_student(site)
    page = visit.page
    sign_in(visit, name)
    expect(tour(page)).to_be_visible()
    page.keyboard.press("Escape")
    wait_for_status(visit, token, "dismissed")

    # This page lost its "My submissions" link: the step about it is left out.
    page.evaluate("document.querySelector('[data-tour=\"nav-submissions\"]').remove()")
    page.locator(".help-menu > summary").click()
    page.get_by_role("button", name="Restart the tour").click()
    steps = WELCOME_STEPS - 1
    titles = []
    for position in range(1, steps + 1):
        dialog = tour(page)
        expect(dialog.locator(".tour-progress")).to_have_text(f"Step {position} of {steps}")
        titles.append(dialog.get_by_role("heading").inner_text())
        dialog.locator(".tour-next").click()
    assert titles == [
        "Welcome! All your tests run in one go",
        "Problems",
        "Two ways to write your code",
        "See this again",
    ]
    expect(tour(page)).to_be_hidden()
    assert "submissions" not in wait_for_status(visit, token, "completed")["seen_steps"]


def _walk_tips(page: Page, titles: list[str]) -> None:
    for position, title in enumerate(titles, start=1):
        dialog = expect_step(page, title, f"{position} of {len(titles)}", r"\w+")
        dialog.locator(".tour-next").click()
    expect(tour(page)).to_be_hidden()


def test_each_pages_tips_show_the_first_time_only(visit: Visit, site: Site, problem_id: int):
    name, token = new_student(site)
    with site.server.client(token) as client:
        for action in ("started", "completed"):  # the welcome tour is behind them
            client.post("/api/v1/onboarding/events", json={"tour": "welcome", "action": action})
        submitted = client.post(
            "/api/v1/submissions",
            json={"problem_id": problem_id, "language": "python3", "source": PROGRAM},
        )
    assert submitted.status_code in (201, 202), submitted.text
    page = visit.page
    sign_in(visit, name, then=f"/problems/{problem_id}")

    style = expect_step(page, "Program or solve()?", "1 of 3", "tooltip")
    expect(style).to_contain_text("Auto detects")
    shoot_screen(visit, "onboarding-tip-problem")
    _walk_tips(page, ["Program or solve()?", "Your code", "Submit"])
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(tour(page)).to_have_count(0)

    visit.go(f"/submissions/{submitted.json()['id']}")
    expect(page.locator("#status-text")).to_contain_text("Graded", timeout=20_000)
    expect_step(page, "One row per test", "1 of 2", "highlight")
    shoot_screen(visit, "onboarding-tip-results")
    tour(page).locator(".tour-next").click()
    executions = expect_step(page, "Executions", "2 of 2", "tooltip")
    shoot_screen(visit, "onboarding-tip-executions")
    expect(executions.get_by_role("button", name="Got it")).to_be_focused()
    page.keyboard.press("Enter")
    expect(tour(page)).to_be_hidden()
    seen = wait_for_status(visit, token, "completed")["seen_steps"]
    assert seen == ["style", "editor", "submit", "results", "executions"]


def test_screenshots_of_each_kind_of_step_at_both_widths(visit: Visit, site: Site):
    name, _ = new_student(site)
    page = visit.page
    sign_in(visit, name)
    expect_step(page, "Welcome! All your tests run in one go", f"1 of {WELCOME_STEPS}", "modal")
    shoot_screen(visit, "onboarding-modal")
    tour(page).locator(".tour-next").click()
    expect_step(page, "Problems", f"2 of {WELCOME_STEPS}", "tooltip")
    shoot_screen(visit, "onboarding-tooltip")
    for _ in range(3):
        tour(page).locator(".tour-next").click()
    expect_step(page, "See this again", f"5 of {WELCOME_STEPS}", "highlight")
    shoot_screen(visit, "onboarding-highlight")


def test_on_a_phone_a_tooltip_is_a_bottom_sheet_with_its_target_above_it(
    visit: Visit, site: Site, problem_id: int
):
    name, token = new_student(site)
    with site.server.client(token) as client:
        for action in ("started", "completed"):
            client.post("/api/v1/onboarding/events", json={"tour": "welcome", "action": action})
    page = visit.page
    page.set_viewport_size({"width": 375, "height": 700})
    sign_in(visit, name, then=f"/problems/{problem_id}")
    for title in ("Program or solve()?", "Your code", "Submit"):
        dialog = tour(page)
        expect(dialog.get_by_role("heading")).to_have_text(title)
        expect(dialog).to_have_class(re.compile(r"\btour-sheet\b"))
        assert_on_screen(page, dialog)
        sheet = dialog.bounding_box()
        halo = page.locator(".tour-halo").bounding_box()
        assert sheet is not None
        assert halo is not None
        assert sheet["width"] == 375
        assert 0 <= halo["y"] < sheet["y"], (halo, sheet)  # the target shows above it
        for button in ("Skip tour", "Next" if title != "Submit" else "Got it"):
            assert_on_screen(page, dialog.get_by_role("button", name=button))
        dialog.locator(".tour-next").click()
    expect(tour(page)).to_be_hidden()


def test_a_restart_says_why_when_the_tour_cannot_be_loaded(visit: Visit, site: Site):
    page = visit.page
    page.route(
        "**/api/v1/onboarding",
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error": {"code": "unavailable", "message": "The database is busy."}}',
        ),
    )
    visit.sign_in("tom")  # a teacher: nothing would start by itself anyway
    page.wait_for_load_state("networkidle")
    expect(tour(page)).to_have_count(0)
    page.locator(".help-menu > summary").click()
    page.get_by_role("button", name="Restart the tour").click()
    error = tour(page)
    expect(error.get_by_role("heading")).to_have_text("The tour is not available")
    expect(error.get_by_role("alert")).to_have_text("The database is busy. Try again in a moment.")
    shoot_screen(visit, "onboarding-error")
    error.get_by_role("button", name="Close").click()
    expect(tour(page)).to_have_count(0)
    expect(page.locator(".help-menu > summary")).to_be_focused()
    # The browser logs each refused request; those two were the point of this test.
    assert len(visit.console_errors) == 2, visit.console_errors
    assert all("503" in message for message in visit.console_errors)
    visit.console_errors.clear()

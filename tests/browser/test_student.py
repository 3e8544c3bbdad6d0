"""The student's pages in a real browser: problems, submitting from the editor, live
results, rating the grading and "My submissions"."""

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from batchjudge.problems.archive import zip_folder
from support.browsing import Site, Visit, running_site

pytestmark = pytest.mark.browser

#: Tests of the problem: 2 samples and 10 secret ones; the solution fails secret/07.
SECRET_TESTS = 10
TOTAL_TESTS = 2 + SECRET_TESTS
#: Tests per execution on this module's server: results are stored (and streamed) when an
#: execution ends, so 12 tests arrive in 3 bursts that a test can tell apart in time.
TESTS_PER_EXECUTION = 4
STATEMENT = """# Slow sums

Read two integers *a* and *b* on one line and print **a + b**.

<script>window.pwned = true</script>

| a | b | a + b |
|---|---|-------|
| 1 | 2 | 3     |
"""

# A solve() that is right except when a is 707 (only secret/07 has that), and that
# spends about 200 ms on each test so that the table visibly fills in row by row.
SOLVE_CPP = """#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long a, b;
    cin >> a >> b;
    auto start = chrono::steady_clock::now();
    while (chrono::steady_clock::now() - start < chrono::milliseconds(200)) {
    }
    cout << (a == 707 ? a + b + 1 : a + b) << '\\n';
}
"""

# Records, on every change of the results table, when (ms since the page's start) and how
# many rows have a final verdict.
WATCH_TABLE = """
window.__fills = [];
document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("#results tbody");
  if (!table) return;
  const count = () => table.querySelectorAll('tr:not([data-verdict=""])').length;
  const note = () => window.__fills.push([Math.round(performance.now()), count()]);
  note();
  new MutationObserver(note).observe(
    table, { childList: true, subtree: true, attributes: true });
});
"""


def write_package(root: Path) -> Path:
    """The package: problem.yaml, a statement, 2 samples and SECRET_TESTS secret tests."""
    files = {
        "problem.yaml": "name: Slow sums\nlimits:\n  time_limit: 2\n  memory: 256\n",
        "problem_statement/problem.en.md": STATEMENT,
        "data/sample/1.in": "1 2\n",
        "data/sample/1.ans": "3\n",
        "data/sample/2.in": "10 -4\n",
        "data/sample/2.ans": "6\n",
    }
    for number in range(1, SECRET_TESTS + 1):
        a, b = number * 101, number
        files[f"data/secret/{number:02}.in"] = f"{a} {b}\n"
        files[f"data/secret/{number:02}.ans"] = f"{a + b}\n"
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site(BATCHJUDGE_MAX_TESTS_PER_EXECUTION=str(TESTS_PER_EXECUTION)) as running:
        yield running


@pytest.fixture(scope="module", autouse=True)
def _tour_dismissed(site: Site) -> None:
    """sam has dismissed the onboarding tour (tested on its own), so that it does not
    cover the pages these tests click through."""
    with site.server.client(site.tokens["sam"]) as sam:
        answer = sam.post(
            "/api/v1/onboarding/events", json={"tour": "welcome", "action": "dismissed"}
        )
    assert answer.status_code == 204, answer.text


@pytest.fixture(scope="module")
def problem_id(site: Site) -> Iterator[int]:
    """The problem, uploaded by tom through the API."""
    folder = Path(tempfile.mkdtemp(prefix="bj-student-"))
    try:
        package = zip_folder(write_package(folder / "slow-sums"))
        with site.server.client(site.tokens["tom"]) as tom:
            uploaded = tom.post(
                "/api/v1/problems",
                files={"package": ("slow-sums.zip", package, "application/zip")},
            )
        assert uploaded.status_code == 201, uploaded.text
        yield int(uploaded.json()["id"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_empty_lists_say_so(visit: Visit):
    # First in the module: no problem is uploaded and sam has submitted nothing yet.
    visit.sign_in("sam")
    assert visit.page.url.endswith("/problems")
    expect(visit.page.get_by_text("There are no problems yet.")).to_be_visible()
    visit.shoot("student-problems-none")
    visit.go("/submissions")
    expect(visit.page.get_by_text("You have not submitted anything yet.")).to_be_visible()
    visit.shoot("student-submissions-none")


def test_a_student_submits_a_solve_that_fails_one_secret_test_and_watches_it_live(
    visit: Visit, problem_id: int, tmp_path: Path
):
    page = visit.page
    visit.sign_in("sam", then="/problems")
    row = page.get_by_role("row", name=re.compile("Slow sums"))
    expect(row).to_contain_text(f"{TOTAL_TESTS}")
    expect(row).to_contain_text("Not tried")
    visit.shoot("student-problems")
    row.get_by_role("link", name="Slow sums").click()

    # The statement is Markdown made HTML, without the raw HTML; a sample shows in full.
    statement = page.locator(".statement")
    expect(statement.get_by_role("heading", name="Slow sums")).to_be_visible()
    expect(statement.locator("strong")).to_have_text("a + b")
    expect(statement).to_contain_text("<script>window.pwned = true</script>")
    assert page.evaluate("window.pwned") is None
    expect(page.locator(".sample").first).to_contain_text("1 2")
    expect(page.locator(".sample").first).to_contain_text("3")

    # Load the file like a user (it picks C++ from .cpp), choose solve(), add a line.
    solution = tmp_path / "slow_sums.cpp"
    solution.write_text(SOLVE_CPP)
    expect(page.locator(".cm-editor")).to_be_visible()  # the page's script is running
    page.get_by_label("Load a file").set_input_files(solution)
    expect(page.get_by_label("Language")).to_have_value("cpp17")
    page.get_by_label("Language").select_option("cpp17")
    page.get_by_label("Style").select_option("solve")
    editor = page.locator(".cm-content")
    expect(editor).to_contain_text("void solve()")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("// checked by sam")
    expect(editor).to_contain_text("// checked by sam")
    visit.shoot("student-problem")

    visit.context.add_init_script(WATCH_TABLE)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    page.evaluate("window.__marker = 'same page'")
    expect(page.locator("#results tbody tr")).to_have_count(TOTAL_TESTS)
    rows_with_verdict = page.locator('#results tbody tr:not([data-verdict=""])')
    expect(rows_with_verdict.first).to_be_visible(timeout=20_000)
    if page.locator('#results tbody tr[data-verdict=""]').count():
        visit.shoot("student-results-running")
    expect(page.locator("#status-text")).to_contain_text("Graded", timeout=30_000)

    assert page.evaluate("window.__marker") == "same page"
    # The table filled in live, on this very page: some rows had verdicts well before all.
    fills = page.evaluate("window.__fills")
    partial = [moment for moment, count in fills if 0 < count < TOTAL_TESTS]
    complete = [moment for moment, count in fills if count == TOTAL_TESTS]
    assert partial, fills
    assert complete, fills
    assert min(complete) - min(partial) >= 300, fills  # an execution of 4 tests is ~800 ms
    assert fills[-1][1] == TOTAL_TESTS

    verdicts = page.locator("#results tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[1].textContent.trim(), r.dataset.verdict])"
    )
    assert [name for name, verdict in verdicts if verdict == "WA"] == ["secret/07"]
    assert [verdict for _, verdict in verdicts].count("AC") == TOTAL_TESTS - 1
    expect(page.locator("#overall-verdict")).to_contain_text("Wrong answer")
    expect(page.locator("#status-text")).to_contain_text(f"11 of {TOTAL_TESTS} tests passed")
    executions = TOTAL_TESTS // TESTS_PER_EXECUTION
    expect(page.locator("#executions")).to_contain_text(
        f"Graded {TOTAL_TESTS} tests in {executions} executions."
    )
    # The failed test is secret: no diff (they are shown only for failed tests one may see).
    expect(page.locator("#details")).to_be_hidden()
    expect(page.locator(".diff")).to_have_count(0)
    visit.shoot("student-results")

    # Rate the grading with the keyboard: focus the first star, arrow to the fourth.
    stars = page.get_by_role("group", name="Rate this grading")
    stars.get_by_role("radio", name="1 star", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(stars.get_by_role("radio", name="4 stars")).to_be_checked()
    page.get_by_label("Comment").fill("Quick and clear.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator("#feedback-message")).to_have_text("Thanks! You rated this grading 4 of 5.")
    visit.shoot("student-feedback")
    page.reload()
    expect(
        page.get_by_role("group", name="Rate this grading").get_by_label("4 stars")
    ).to_be_checked()
    expect(page.locator("#feedback-current")).to_contain_text("You rated this grading 4 of 5.")

    # My submissions lists it; a filter that matches nothing says so.
    page.get_by_role("link", name="My submissions").first.click()
    listed = page.get_by_role("row", name=re.compile("Slow sums"))
    expect(listed).to_contain_text("WA")
    expect(listed).to_contain_text(f"11/{TOTAL_TESTS}")
    visit.shoot("student-submissions")
    page.get_by_label("Verdict").select_option("AC")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("None of your submissions match these filters.")).to_be_visible()
    visit.shoot("student-submissions-filtered-empty")


def test_a_failed_sample_shows_expected_and_got_line_by_line(visit: Visit, problem_id: int):
    page = visit.page
    visit.sign_in("sam", then=f"/problems/{problem_id}")
    page.get_by_label("Language").select_option("python3")
    page.get_by_label("Style").select_option("program")
    page.locator(".cm-content").click()
    page.keyboard.type("a, b = map(int, input().split())\nprint(a + b + (a == 10))\n")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    expect(page.locator("#status-text")).to_contain_text("Graded", timeout=30_000)
    expect(page.locator("#overall-verdict")).to_contain_text("Wrong answer")
    detail = page.locator("#details article")
    expect(detail).to_have_count(1)
    expect(detail).to_contain_text("Test sample/2: Wrong answer")
    bad = detail.locator(".diff-bad")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("6")
    expect(bad).to_contain_text("7")
    # The row of the failed sample links to its details.
    page.get_by_role("link", name="sample/2").click()
    expect(page).to_have_url(re.compile("#test-detail-2$"))
    visit.shoot("student-results-diff")


def test_an_api_error_is_shown_in_place_and_the_code_kept(visit: Visit, problem_id: int):
    page = visit.page
    visit.sign_in("sam", then=f"/problems/{problem_id}")
    # A language the server no longer knows (the page was open during an upgrade, say).
    page.evaluate(
        "document.getElementById('language').add(new Option('COBOL', 'cobol', true, true))"
    )
    page.locator(".cm-content").click()
    page.keyboard.type("DISPLAY 42")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown language 'cobol'")
    expect(page.locator(".cm-content")).to_contain_text("DISPLAY 42")
    assert page.url.endswith(f"/problems/{problem_id}")
    # Chromium logs the API's 422 as a failed resource: expected here, and only that.
    assert visit.console_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    visit.console_errors.clear()


def test_an_empty_source_is_refused_before_it_is_sent(visit: Visit, problem_id: int):
    page = visit.page
    visit.sign_in("sam", then=f"/problems/{problem_id}")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Write or load your code first: the source is empty."
    )
    visit.shoot("student-problem-error")


def test_another_students_submission_is_not_found(visit: Visit, site: Site, problem_id: int):
    with site.server.client(site.tokens["tom"]) as tom:
        made = tom.post(
            "/api/v1/submissions",
            json={"problem_id": problem_id, "language": "python3", "source": "print(1)\n"},
        )
    assert made.status_code == 202, made.text
    visit.sign_in("sam")
    answer = visit.page.goto(f"{site.url}/submissions/{made.json()['id']}")
    assert answer is not None
    assert answer.status == 404
    expect(visit.page.get_by_role("alert")).to_contain_text("There is no submission")
    # Chromium logs the page's own 404 as a failed resource: expected here, and only that.
    assert visit.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    ]
    visit.console_errors.clear()


def test_when_live_updates_fail_the_page_polls_for_the_results(
    visit: Visit, site: Site, problem_id: int
):
    page = visit.page
    visit.sign_in("sam")
    page.route("**/api/v1/submissions/*/events", lambda route: route.abort())
    slow = "import time\ntime.sleep(0.5)\na, b = map(int, input().split())\nprint(a + b)\n"
    with site.server.client(site.tokens["sam"]) as sam:
        made = sam.post(
            "/api/v1/submissions",
            json={"problem_id": problem_id, "language": "python3", "source": slow},
        )
    assert made.status_code == 202, made.text
    visit.go(f"/submissions/{made.json()['id']}")
    expect(page.locator("#live-warning")).to_have_text(
        "Live updates stopped. Checking for results every 2 seconds instead…"
    )
    visit.shoot("student-results-polling")
    expect(page.locator("#status-text")).to_contain_text("Graded: Accepted", timeout=30_000)
    expect(page.locator("#live-warning")).to_be_hidden()
    expect(page.locator('#results tbody tr[data-verdict="AC"]')).to_have_count(TOTAL_TESTS)
    # The aborted stream is the only thing Chromium complains about.
    assert set(visit.console_errors) == {"Failed to load resource: net::ERR_FAILED"}
    visit.console_errors.clear()


def test_hidden_tests_count_without_showing(visit: Visit, site: Site, problem_id: int):
    # Last in the module: it changes what students see of the problem's tests.
    with site.server.client(site.tokens["tom"]) as tom:
        changed = tom.patch(
            f"/api/v1/problems/{problem_id}/tests",
            json={
                "visibility": {"secret/07": "hidden", "secret/08": "hidden", "sample/2": "verdict"}
            },
        )
    assert changed.status_code == 200, changed.text
    page = visit.page
    visit.sign_in("sam", then=f"/problems/{problem_id}")
    expect(page.locator(".sample")).to_have_count(1)  # sample/2 is no longer shown in full
    page.get_by_label("Language").select_option("python3")
    page.locator(".cm-content").click()
    page.keyboard.type("a, b = map(int, input().split())\nprint(a + b + (a == 707))\n")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    expect(page.locator("#status-text")).to_contain_text("Graded", timeout=30_000)
    names = page.locator("#results tbody td.test-name").all_text_contents()
    assert "secret/07" not in names
    assert "secret/08" not in names
    assert len(names) == TOTAL_TESTS - 2
    expect(page.locator("#overall-verdict")).to_contain_text("Wrong answer")
    expect(page.locator("#hidden-note")).to_have_text(
        "2 more tests are hidden: they count toward the verdict but are not shown. "
        "1 of them failed."
    )
    expect(page.locator("#status-text")).to_contain_text(f"11 of {TOTAL_TESTS} tests passed")
    expect(page.locator("#executions")).to_contain_text(f"Graded {TOTAL_TESTS} tests in")
    visit.shoot("student-results-hidden")

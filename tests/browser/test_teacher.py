"""The teacher pages in a browser: uploading a package (a broken one first), choosing what
students see of each test, the analytics of graded submissions, and the institution's
submissions."""

import shutil
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from batchjudge.problems.archive import zip_folder
from support.browsing import Site, Visit

pytestmark = pytest.mark.browser

AVERAGE = Path(__file__).resolve().parents[2] / "examples" / "average"
#: A flow sequence left open: a YAML syntax error.
BROKEN_YAML = "name: Average\nlimits: {time_limit: 1, memory: 64\n"
SOLUTION = (AVERAGE / "submissions" / "average.py").read_text()
#: Python sources graded for the analytics: the verdicts they get.
SEEDS = {
    "AC": SOLUTION,
    "WA": "def solve():\n    input()\n    print(round(sum(map(float, input().split()))))\n",
    "RE": "def solve():\n    raise ValueError('no')\n",
}


@pytest.fixture
def packages(tmp_path: Path) -> tuple[bytes, bytes]:
    """The example package with a broken problem.yaml, and as it should be."""
    folder = tmp_path / "average"
    shutil.copytree(AVERAGE, folder)
    good = zip_folder(folder)
    (folder / "problem.yaml").write_text(BROKEN_YAML)
    return zip_folder(folder), good


def _choose(page: Page, data: bytes) -> None:
    payload = {"name": "average.zip", "mimeType": "application/zip", "buffer": data}
    page.get_by_label("Problem package (.zip)").set_input_files(files=[payload])


def _submit(client: httpx.Client, problem_id: int, source: str) -> int:
    answer = client.post(
        "/api/v1/submissions",
        json={"problem_id": problem_id, "language": "python3", "source": source},
    )
    assert answer.status_code == 202, answer.text
    return int(answer.json()["id"])


def _graded(client: httpx.Client, submission_id: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/submissions/{submission_id}").json()
        if body["status"] in ("done", "failed"):
            return dict(body)
        time.sleep(0.1)
    raise AssertionError(f"submission {submission_id} was not graded in time")


def test_a_teacher_fixes_a_broken_package_then_hides_a_test(
    visit: Visit, site: Site, packages: tuple[bytes, bytes]
):
    broken, good = packages
    page = visit.page
    visit.sign_in("tom", then="/teach")
    expect(page.get_by_role("heading", name="Teaching")).to_be_visible()
    expect(page.get_by_text("You have no problems yet.")).to_be_visible()
    visit.shoot("teach-home-empty")

    with site.server.client(site.tokens["tom"]) as tom:
        files = {"package": ("average.zip", broken, "application/zip")}
        expected = tom.post("/api/v1/problems", files=files).json()["error"]["message"]
    assert expected.startswith("average: problem.yaml: not valid YAML")
    _choose(page, broken)
    page.get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(expected)
    field = page.get_by_label("Problem package (.zip)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "package-error package-help")
    expect(field).to_be_focused()
    visit.shoot("teach-upload-error")

    _choose(page, good)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").first).to_have_text("Version 1 is uploaded.")
    expect(page.get_by_role("heading", name="Average", exact=True)).to_be_visible()
    rows = page.locator(".tests-table tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(2)).to_contain_text("secret/01")
    expect(page.get_by_text("No submissions yet.")).to_be_visible()
    problem_id = int(page.url.split("/teach/problems/")[1].split("?")[0])

    page.get_by_label("What students see of secret/01").select_option("hidden")
    expect(page.locator("#visibility-status")).to_have_text("You have unsaved changes.")
    page.get_by_role("button", name="Save what students see").click()
    expect(page.locator("#visibility-status")).to_have_text(
        "Saved. Students see 2 in full, 3 by verdict only, and 1 hidden."
    )
    page.reload()
    expect(page.get_by_label("What students see of secret/01")).to_have_value("hidden")

    with site.server.client(site.tokens["sam"]) as sam:
        graded = {verdict: _submit(sam, problem_id, source) for verdict, source in SEEDS.items()}
        seen = {verdict: _graded(sam, submission) for verdict, submission in graded.items()}
    assert {verdict: body["verdict"] for verdict, body in seen.items()} == {
        "AC": "AC",
        "WA": "WA",
        "RE": "RE",
    }
    accepted = seen["AC"]
    assert "secret/01" not in [t["name"] for t in accepted["tests"]]
    assert accepted["hidden_tests"] == {"total": 1, "graded": 1, "failed": 0}
    assert seen["WA"]["hidden_tests"]["failed"] == 1

    page.reload()
    analytics = page.locator("#analytics")
    expect(analytics).to_contain_text("Submissions 3")
    expect(analytics.locator(".bar-row").filter(has_text="WA")).to_contain_text("1 (33%)")
    expect(analytics.locator(".hardest li").first).to_contain_text("passed 1 of 3")
    expect(analytics).to_contain_text("Python 3")
    visit.shoot("teach-problem")

    visit.go("/teach")
    expect(page.locator(".problem-table tbody tr")).to_have_count(1)
    expect(page.locator(".problem-table")).to_contain_text("33% (1 of 3)")
    visit.shoot("teach-home")

    page.get_by_role("link", name="Your institution's submissions").click()
    expect(page.locator(".submissions-table tbody tr")).to_have_count(3)
    page.get_by_label("Verdict").select_option("WA")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".submissions-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name=f"Submission {graded['WA']}")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator(".submissions-table tbody tr")).to_have_count(3)
    visit.shoot("teach-submissions")


def test_pages_answer_quickly_and_empty_lists_say_so(visit: Visit, site: Site):
    visit.sign_in("ada", then="/teach/submissions?verdict=MLE")
    expect(visit.page.get_by_text("No submissions match these filters.")).to_be_visible()
    visit.shoot("teach-submissions-empty")
    cookie = next(c for c in visit.context.cookies() if c["name"] == "bj_session")
    with httpx.Client(base_url=site.url, cookies={"bj_session": cookie["value"]}) as browser:
        problems = browser.get("/api/v1/problems").json()
        paths = ["/teach", "/teach/submissions", *(f"/teach/problems/{p['id']}" for p in problems)]
        for path in paths:
            browser.get(path)  # warm up
            started = time.perf_counter()
            answer = browser.get(path)
            elapsed = time.perf_counter() - started
            assert answer.status_code == 200, path
            assert elapsed < 0.3, f"{path} took {elapsed:.3f} s"

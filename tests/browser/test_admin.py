"""The admin pages in a browser: the monitoring dashboard (health turning red when Judge0
stops, refreshing without a reload, stale data and back-off when the API fails, the reset
confirmation) and the account pages (users, tokens, Judge0 keys)."""

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import select

from batchjudge.db.accounts import User
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.monitoring import Feedback
from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Execution, Submission, TestResult
from batchjudge.problems.archive import zip_folder
from support.browsing import Site, Visit, running_site, visiting
from support.loopback import Judge0StandIn

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Console errors a test causes on purpose: a health answer of 503 (Judge0 is down) and
#: requests the test aborts. Nothing else may reach the console.
EXPECTED_503 = re.compile(r"status of 503")
EXPECTED_ABORT = re.compile(r"net::ERR_FAILED")


@pytest.fixture(scope="module")
def judge0() -> Iterator[Judge0StandIn]:
    server = Judge0StandIn()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(judge0: Judge0StandIn) -> Iterator[Site]:
    """The server grading on Judge0 (the stand-in), with alerts evaluated every second."""
    with running_site(
        BATCHJUDGE_BACKEND="judge0",
        BATCHJUDGE_JUDGE0_URL=judge0.url,
        BATCHJUDGE_JUDGE0_AUTH="none",
        BATCHJUDGE_JUDGE0_FALLBACK="local",
        BATCHJUDGE_ALERT_INTERVAL_S="1",
        BATCHJUDGE_ALERT_RULES='{"backend_unreachable": {"for_s": 1}}',
    ) as running:
        yield running


#: When the history's submissions finished, in hours ago: a few every hour of the last
#: day, every third hour of the week, twice a day of the month.
HISTORY_HOURS = [
    *(h + k / 4 for h in range(1, 30) for k in range(1 + h % 3)),
    *range(30, 168, 3),
    *range(168, 720, 12),
]


def _history(site: Site, problem_id: int) -> None:
    """A month of finished submissions written straight to the database (the API cannot
    back-date them), before anything real finished, so the rollup takes them all."""
    engine = make_engine(site.server.env["BATCHJUDGE_DATABASE_URL"])
    now = datetime.now(UTC)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        sam = session.scalars(select(User).where(User.name == "sam")).one()
        version = session.scalars(
            select(ProblemVersion).where(ProblemVersion.problem_id == problem_id)
        ).first()
        assert version is not None
        for n, hours in enumerate(HISTORY_HOURS):
            tests = 40
            runs = 1 + (n % 7 == 0) + (n % 11 == 0)  # a crash or two in some batches
            grading = 0.9 + (n % 5) * 0.35 + (n % 13 == 0) * 2.5
            finished = now - timedelta(hours=hours, minutes=7)
            row = Submission(
                user_id=sam.id,
                problem_version_id=version.id,
                language="python3",
                style="program" if n % 3 else "solve",
                mode="multi",
                source="...",
                status="done",
                verdict="AC",
                created_at=finished - timedelta(seconds=grading + 0.5),
                started_at=finished - timedelta(seconds=grading),
                finished_at=finished,
            )
            session.add(row)
            session.flush()
            session.add_all(
                TestResult(
                    submission_id=row.id,
                    position=k,
                    name=f"t{k}",
                    verdict="AC",
                    time_s=0.01,
                    memory_kb=1000,
                )
                for k in range(tests)
            )
            session.add_all(
                Execution(
                    submission_id=row.id,
                    kind="run",
                    backend="local",
                    tests_covered=tests // runs,
                    duration_s=0.2,
                    created_at=finished,
                )
                for _ in range(runs)
            )
            if n % 6 == 1:
                session.add(
                    Feedback(
                        submission_id=row.id,
                        user_id=sam.id,
                        rating=5 - n % 4,
                        created_at=finished,
                        updated_at=finished,
                    )
                )
    engine.dispose()


@pytest.fixture(scope="module")
def data_site() -> Iterator[Site]:
    """A server on the local sandbox with a week of history and a few real gradings (sam's
    submissions of sum-pairs, one rated), for dashboards worth looking at."""
    with running_site() as running:
        with running.server.client(running.tokens["tom"]) as tom:
            package = zip_folder(EXAMPLES / "sum-pairs")
            made = tom.post(
                "/api/v1/problems", files={"package": ("sum-pairs.zip", package, "application/zip")}
            )
            assert made.status_code == 201, made.text
            problem_id = made.json()["id"]
        _history(running, problem_id)
        with running.server.client(running.tokens["sam"]) as sam:
            sources = ["main.py", "main.py", "slow.py"]
            ids = []
            for name in sources:
                source = (EXAMPLES / "sum-pairs" / "submissions" / name).read_text()
                sent = sam.post(
                    "/api/v1/submissions",
                    json={"problem_id": problem_id, "language": "python3", "source": source},
                )
                assert sent.status_code in (201, 202), sent.text
                ids.append(sent.json()["id"])
            deadline = time.monotonic() + 60
            for submission_id in ids:
                while time.monotonic() < deadline:
                    status = sam.get(f"/api/v1/submissions/{submission_id}").json()["status"]
                    if status in ("done", "failed"):
                        break
                    time.sleep(0.2)
            rated = sam.post(f"/api/v1/submissions/{ids[0]}/feedback", json={"rating": 4})
            assert rated.status_code == 201, rated.text
        yield running


@pytest.fixture
def data_visit(browser: Browser, data_site: Site) -> Iterator[Visit]:
    with visiting(browser, data_site) as tab:
        yield tab
        assert tab.external == [], f"requests to other hosts: {tab.external}"
        assert tab.console_errors == [], f"console errors: {tab.console_errors}"


def forget_expected(visit: Visit, *patterns: re.Pattern[str]) -> None:
    """Drop the console errors the test caused on purpose; any other still fails it."""
    visit.console_errors[:] = [
        e for e in visit.console_errors if not any(p.search(e) for p in patterns)
    ]


def open_dashboard(visit: Visit, query: str = "refresh=2") -> Page:
    visit.sign_in("ada", then=f"/admin?{query}")
    page = visit.page
    expect(page.locator("#last-updated")).not_to_have_text("—", timeout=15_000)
    return page


def test_the_health_light_turns_red_when_judge0_stops_without_a_reload(
    visit: Visit, judge0: Judge0StandIn
):
    page = open_dashboard(visit)
    light = page.locator("#health-status")
    # ok, or degraded with a reason where the sandbox is reduced; never down while Judge0 runs.
    expect(light).to_have_class(re.compile(r"status-(ok|degraded)"), timeout=15_000)
    if "status-degraded" in (light.get_attribute("class") or ""):
        expect(page.locator("#health-reasons")).to_be_visible()
    expect(page.locator("#chart-gain")).to_be_visible()
    visit.shoot("admin-dashboard-empty")
    page.evaluate("window.__noReload = 1")
    before = page.locator("#last-updated").inner_text()

    judge0.stop()
    try:
        expect(light).to_have_class(re.compile(r"status-down"), timeout=30_000)
        expect(light).to_have_text("down")
        reasons = page.locator("#health-reasons")
        expect(reasons).to_contain_text("Judge0 backend")
        expect(reasons).to_contain_text("backend_judge0")
        expect(reasons).to_contain_text("unreachable")
        assert page.evaluate("window.__noReload") == 1  # the same page, refreshed in place
        assert page.locator("#last-updated").inner_text() != before
        # The rule for an unreachable backend fires within seconds and is listed.
        expect(page.locator("#alerts-list")).to_contain_text("backend_unreachable", timeout=20_000)
        visit.shoot("admin-dashboard-down")
    finally:
        judge0.start()
    expect(light).to_have_class(re.compile(r"status-(ok|degraded)"), timeout=30_000)
    expect(page.locator("#health-reasons")).not_to_contain_text("backend_judge0")
    assert page.evaluate("window.__noReload") == 1
    forget_expected(visit, EXPECTED_503)


def test_a_failing_api_leaves_the_last_numbers_marked_stale_and_backs_off(data_visit: Visit):
    page = open_dashboard(data_visit, "refresh=10")
    saved = page.locator("#kpi-saved")
    expect(saved).not_to_have_text("—")
    expect(page.locator("#health-status")).to_have_class(re.compile(r"status-(ok|degraded)"))
    shown = saved.inner_text()
    good_time = page.locator("#last-updated").inner_text()
    data_visit.shoot("admin-dashboard")

    aborted: list[float] = []

    def fail(route: Route) -> None:
        aborted.append(time.monotonic())
        route.abort()

    page.route("**/api/v1/monitoring/dashboard*", fail)
    page.evaluate("window.bjAdmin.dashboard.refresh()")
    error = page.locator("#dashboard-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Could not refresh the dashboard")
    expect(error).to_contain_text(f"Showing the data of {good_time}")
    badge = page.locator("#stale-badge")
    expect(badge).to_have_text(f"stale: data from {good_time}")
    expect(page.locator(".kpis")).to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator(".charts")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(saved).to_have_text(shown)  # the last numbers stay
    data_visit.shoot("admin-dashboard-stale")

    # Back-off: the retries come 2 s, then 4 s apart.
    deadline = time.monotonic() + 12
    while len(aborted) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert len(aborted) >= 3, aborted
    first_gap, second_gap = aborted[1] - aborted[0], aborted[2] - aborted[1]
    assert 1.5 <= first_gap <= 3.0, aborted
    assert 3.5 <= second_gap <= 5.0, aborted
    expect(page.locator("#last-updated")).to_have_text(good_time)

    page.unroute("**/api/v1/monitoring/dashboard*")
    expect(error).to_be_hidden(timeout=12_000)  # the next retry, 8 s later, succeeds
    expect(badge).to_be_hidden()
    expect(page.locator(".kpis")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#last-updated")).not_to_have_text(good_time)
    forget_expected(data_visit, EXPECTED_ABORT)


def test_the_window_picker_reloads_the_figures_in_place(data_visit: Visit):
    page = open_dashboard(data_visit, "refresh=60")
    rows = page.locator("#series-table tbody tr")
    expect(rows).to_have_count(25)  # hourly, from the hour holding the start
    page.evaluate("window.__noReload = 1")
    page.locator("label[for='window-7d']").click()
    expect(rows).to_have_count(29)
    expect(page.locator("#window-note")).to_contain_text("The 7d window")
    assert page.url.endswith("window=7d")
    page.keyboard.press("ArrowRight")  # radios move with the arrow keys
    expect(page.get_by_label("30d")).to_be_checked()
    expect(rows).to_have_count(31)
    assert page.evaluate("window.__noReload") == 1
    data_visit.shoot("admin-dashboard-30d")


def test_resetting_asks_first_and_then_moves_the_window_start(data_visit: Visit):
    page = open_dashboard(data_visit, "refresh=60")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    note = page.locator("#window-note")
    expect(note).to_contain_text("from")
    start_before = note.get_attribute("data-start")
    opener = page.get_by_role("button", name="Reset metrics…")
    dialog = page.locator("#reset-dialog")

    opener.click()
    expect(dialog).to_be_visible()
    expect(page.locator("#reset-note")).to_be_focused()  # focus moves into the dialog
    data_visit.shoot("admin-reset-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    opener.press("Enter")
    expect(dialog).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert posts == []
    expect(note).to_have_attribute("data-start", start_before or "")

    opener.click()
    page.locator("#reset-note").fill("start of the spring term")
    page.get_by_role("button", name="Reset", exact=True).click()
    done = page.locator("#reset-done")
    expect(done).to_contain_text("Metrics reset at")
    expect(done).to_contain_text("by ada")
    expect(done).to_contain_text("The 24h window now starts at")
    expect(dialog).to_be_hidden()
    assert [u for u in posts if u.endswith("/api/v1/monitoring/reset")] == [
        data_visit.site.url + "/api/v1/monitoring/reset"
    ]
    expect(note).to_contain_text("starts at the latest reset")
    assert note.get_attribute("data-start") != start_before
    expect(page.locator("#kpi-finished")).to_have_text("0")
    data_visit.shoot("admin-dashboard-after-reset")


def test_users_are_created_and_tokens_issued_once_and_revoked(visit: Visit, site: Site):
    visit.sign_in("ada", then="/admin/users")
    page = visit.page
    expect(page.locator("#users-table")).to_contain_text("Northside")
    visit.shoot("admin-users")

    page.get_by_label("Name", exact=True).fill("bea")
    page.get_by_label("Role", exact=True).select_option("teacher")
    page.get_by_label("Institution", exact=True).select_option("Northside")
    page.get_by_label("Initial password (optional)").fill("bea-password-1")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#notice")).to_have_text(
        "User bea created. They can sign in with the password you gave."
    )
    first = page.locator("#new-token-value").input_value()
    assert first.startswith("bj_")
    expect(page).to_have_url(re.compile(r"/admin/users/4$"))  # a reload does not post again

    page.get_by_label("Label", exact=True).fill("grading script")
    page.get_by_label("Expires after (days)").fill("30")
    page.get_by_role("button", name="Issue token").click()
    panel = page.locator("#new-token")
    expect(panel).to_contain_text("Copy it now")
    token = page.locator("#new-token-value").input_value()
    assert token.startswith("bj_")
    assert token != first
    row = page.locator("#tokens-table tr", has_text="grading script")
    expect(row.locator("code")).to_have_text("bj_…" + token[-4:])  # the last 4 only
    visit.shoot("admin-user-new-token")
    with site.server.client(token) as bea:
        assert bea.get("/api/v1/me").json()["name"] == "bea"

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    html = page.content()
    assert token not in html
    assert first not in html
    assert token[-8:] not in html  # no part of the secret either

    row.get_by_role("button", name="Revoke").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("grading script")
    expect(page.locator("#confirm-no")).to_be_focused()  # the safe choice comes first
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#notice")).to_contain_text("Token revoked")
    expect(row).to_contain_text("revoked")
    with site.server.client(token) as bea:
        assert bea.get("/api/v1/me").status_code == 401
    visit.shoot("admin-user")

    page.get_by_role("link", name="Users").first.click()
    expect(page.locator("#users-table tr", has_text="bea")).to_contain_text("teacher")
    page.get_by_label("Name", exact=True).fill("bea")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#create-error")).to_have_text("A user called 'bea' exists already.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("bea")
    visit.shoot("admin-users-error")


def test_judge0_keys_show_only_their_last_four_characters(visit: Visit):
    visit.sign_in("ada", then="/admin/users#judge0-keys")
    page = visit.page
    expect(page.locator("#judge0-keys")).to_contain_text("No Judge0 keys stored")
    secret = "rapid-key-0123456789-wxyz"
    page.get_by_label("Label", exact=True).fill("main")
    page.get_by_label("Key", exact=True).fill(secret)
    page.get_by_label("Daily quota").fill("500")
    page.get_by_role("button", name="Add key").click()
    expect(page.locator("#notice")).to_have_text("Judge0 key added.")
    row = page.locator("#keys-table tr", has_text="main")
    expect(row).to_contain_text("…wxyz")
    expect(row).to_contain_text("500")
    assert secret not in page.content()
    assert "0123456789" not in page.content()
    visit.shoot("admin-users-keys")

    row.get_by_role("button", name="Retire").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#notice")).to_contain_text("Judge0 key retired")
    expect(row).to_contain_text("retired")
    expect(row.get_by_role("button", name="Retire")).to_have_count(0)


def test_only_admins_see_the_admin_pages(visit: Visit, site: Site):
    visit.sign_in("tom", then="/admin")
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Not for you")
    forget_expected(visit, re.compile(r"status of 403"))
    anonymous = httpx.get(site.url + "/admin/users", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/admin/users"

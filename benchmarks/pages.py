"""Web UI page load times on loopback: the server's answer, and the full load in chromium.

Run with `make bench-pages` (or `.venv/bin/python benchmarks/pages.py`). It starts
`batchjudge serve` on a fresh data dir (SQLite) with one user per role, uploads the
sum-pairs example, grades a few submissions, then for every page:

- `server`: the time to the full HTML answer, from httpx with the user's session
  cookie (`--requests` sequential requests; p50, p95, max);
- `load`: the page's `loadEventEnd` in headless chromium (every script, stylesheet and
  bundle loaded and run), over `--loads` fresh loads with an empty cache and again with
  a warm one.

Target: every page loads in under 300 ms on loopback.
"""

import argparse
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from batchjudge.problems.archive import zip_folder  # noqa: E402
from support.browsing import CHROMIUM, USERS, running_site  # noqa: E402 - after the path

TARGET_MS = 300.0
SOLVE = (REPO / "examples" / "sum-pairs" / "submissions" / "main.py").read_text()


def prepare(base: str, tokens: dict[str, str]) -> int:
    """Upload the example as the teacher and grade three submissions; a submission id."""
    teacher = {"Authorization": f"Bearer {tokens['tom']}"}
    student = {"Authorization": f"Bearer {tokens['sam']}"}
    package = zip_folder(REPO / "examples" / "sum-pairs")
    made = httpx.post(
        base + "/api/v1/problems",
        headers=teacher,
        files={"package": ("sum-pairs.zip", package, "application/zip")},
        timeout=120,
    )
    made.raise_for_status()
    problem_id = made.json()["id"]
    ids = []
    for _ in range(3):
        body = {"problem_id": problem_id, "language": "python3", "source": SOLVE}
        sent = httpx.post(base + "/api/v1/submissions", headers=student, json=body, timeout=60)
        sent.raise_for_status()
        ids.append(sent.json()["id"])
    deadline = time.monotonic() + 120
    for submission_id in ids:
        while time.monotonic() < deadline:
            got = httpx.get(base + f"/api/v1/submissions/{submission_id}", headers=student)
            if got.json()["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
    return ids[0]


def session_cookie(base: str, name: str) -> str:
    """Sign in through the form; the session cookie's value."""
    with httpx.Client(base_url=base) as client:
        form = client.get("/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert found is not None
        client.post(
            "/login",
            data={"name": name, "password": USERS[name][1], "csrf_token": found.group(1)},
        )
        cookie = client.cookies.get("bj_session")
        assert cookie, f"{name} could not sign in"
        return cookie


def server_times(base: str, path: str, cookie: str | None, requests: int) -> list[float]:
    cookies = {"bj_session": cookie} if cookie else {}
    spent = []
    with httpx.Client(base_url=base, cookies=cookies) as client:
        client.get(path)  # the first answer warms caches (templates, asset digests)
        for _ in range(requests):
            started = time.perf_counter()
            answer = client.get(path)
            spent.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"{path}: {answer.status_code}")
    return spent


def load_times(browser, base: str, path: str, cookie: str | None, loads: int) -> tuple:
    """(cold loads, warm loads) in ms: a new context each cold load; then reloads."""
    script = "performance.getEntriesByType('navigation')[0].loadEventEnd"
    cold, warm = [], []
    for _ in range(loads):
        context = browser.new_context()
        if cookie:
            context.add_cookies([{"name": "bj_session", "value": cookie, "url": base}])
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        cold.append(page.evaluate(script))
        page.reload(wait_until="load")
        warm.append(page.evaluate(script))
        context.close()
    return cold, warm


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[max(1, -(-percent * len(ordered) // 100)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    if shutil.which(CHROMIUM) is None:
        raise SystemExit(f"{CHROMIUM} is missing: run `make install`")
    with running_site() as site:
        base = site.url
        submission = prepare(base, site.tokens)
        cookies = {name: session_cookie(base, name) for name in USERS}
        pages = [
            ("/login", None),
            ("/problems", "sam"),
            ("/problems/1", "sam"),
            ("/submissions", "sam"),
            (f"/submissions/{submission}", "sam"),
            ("/teach", "tom"),
            ("/teach/problems/1", "tom"),
            ("/teach/submissions", "tom"),
            ("/admin", "ada"),
            ("/admin/users", "ada"),
            ("/docs", None),
        ]
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            for path, who in pages:
                cookie = cookies[who] if who else None
                served = server_times(base, path, cookie, args.requests)
                cold, warm = load_times(browser, base, path, cookie, args.loads)
                rows.append((path, who or "-", served, cold, warm))
                print(f"  {path:<22} measured", flush=True)
            browser.close()
    print(
        f"\n{args.requests} requests (server) and {args.loads} loads (chromium) per page, "
        "loopback, SQLite; milliseconds\n"
    )
    print("| page | as | server p50 | server p95 | load cold (median) | load warm (median) | met |")
    print("|---|---|---|---|---|---|---|")
    for path, who, served, cold, warm in rows:
        worst = max(percentile(served, 95), statistics.median(cold), statistics.median(warm))
        print(
            f"| {path} | {who} | {statistics.median(served):.1f} | {percentile(served, 95):.1f} "
            f"| {statistics.median(cold):.0f} | {statistics.median(warm):.0f} "
            f"| {'yes' if worst < TARGET_MS else 'NO'} |"
        )


if __name__ == "__main__":
    main()

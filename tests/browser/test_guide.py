"""The documentation site at /guide: served by the app, searchable offline, with the
generated references; /docs stays the OpenAPI reference."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.browsing import Visit

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
GUIDE_INDEX = REPO / "src" / "batchjudge" / "web" / "static" / "build" / "guide" / "index.html"


@pytest.fixture(scope="session", autouse=True)
def built_guide() -> None:
    """The site, built now when this checkout has none yet (`make install` builds it).
    Session-scoped, so it exists before the server starts and decides what /guide is."""
    if GUIDE_INDEX.is_file():
        return
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"],
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
    )


def test_the_guide_is_served_at_guide(visit: Visit):
    visit.go("/guide")
    assert visit.page.url == visit.site.url + "/guide/"
    expect(visit.page).to_have_title("batchjudge guide")
    navigation = visit.page.get_by_role("navigation", name="Navigation")
    expect(navigation.get_by_role("link", name="REST reference")).to_be_attached()


def test_search_finds_pages_without_the_network(visit: Visit):
    visit.go("/guide/")
    search = visit.page.get_by_role("textbox", name="Search")
    search.click()
    search.press_sequentially("sandbox")
    first = visit.page.locator(".md-search-result__item").first
    expect(first).to_be_visible()
    first.click()
    expect(visit.page).to_have_url(re.compile(re.escape(visit.site.url) + "/guide/.+"))
    expect(visit.page.locator("article")).to_contain_text(re.compile("sandbox", re.IGNORECASE))


def test_the_generated_references_load(visit: Visit):
    visit.go("/guide/reference/rest-api/")
    expect(visit.page.get_by_role("heading", name="REST API reference")).to_be_visible()
    # Its own heading, not the feedback route's that starts the same (¶ is the permalink).
    create = re.compile(r"^POST \/api\/v1\/submissions\W*$")  # Playwright wants \/
    expect(visit.page.get_by_role("heading", name=create)).to_be_visible()
    visit.go("/guide/reference/configuration/")
    expect(visit.page.get_by_role("heading", name="Configuration reference")).to_be_visible()
    expect(visit.page.get_by_text("BATCHJUDGE_SANDBOX_SLOTS", exact=True)).to_be_visible()


def test_docs_is_still_the_openapi_reference(visit: Visit):
    visit.go("/docs")
    expect(visit.page.get_by_text("/api/v1/submissions", exact=True).first).to_be_visible()
    assert "/guide" not in visit.page.url


def test_a_missing_guide_page_is_the_apps_not_found_page(visit: Visit):
    visit.go("/guide/no/such/page/")
    expect(visit.page.get_by_role("heading", name="Not found")).to_be_visible()
    # The page's own 404 is what chromium logs; nothing else may be.
    assert visit.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    ]
    visit.console_errors.clear()

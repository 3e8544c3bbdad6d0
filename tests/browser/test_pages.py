"""Pages that belong to no one audience: the API reference and the error pages."""

import pytest
from playwright.sync_api import expect

from support.browsing import Visit

pytestmark = pytest.mark.browser


def test_the_api_reference_loads_everything_from_this_server(visit: Visit):
    visit.go("/docs")
    expect(visit.page.get_by_text("/api/v1/submissions", exact=True).first).to_be_visible()
    visit.shoot("api-reference")


def test_a_missing_page_is_a_page_for_browsers_and_json_for_the_api(visit: Visit):
    visit.sign_in("sam", then="/api/v1/me")
    answer = visit.page.request.get(
        visit.site.url + "/no/such/page", headers={"Accept": "text/html"}
    )
    assert answer.status == 404
    assert "<h1>Not found</h1>" in answer.text()
    assert "Sign out" in answer.text()  # the signed-in header
    api = visit.page.request.get(visit.site.url + "/api/v1/no/such/thing")
    assert api.status == 404
    assert api.json()["error"]["code"] == "not_found"


def test_the_error_page_keeps_the_signed_in_header(visit: Visit):
    visit.sign_in("sam", then="/api/v1/me")
    visit.go("/no/such/page")
    expect(visit.page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(visit.page.get_by_role("link", name="Back to the start page")).to_be_visible()
    visit.shoot("error-not-found")
    # The page's own 404 is what chromium logs; nothing else may be.
    assert visit.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    ]
    visit.console_errors.clear()

"""Signing in through the page, as a browser does it."""

import httpx
import pytest
from playwright.sync_api import expect

from support.browsing import Site, Visit

pytestmark = pytest.mark.browser


def test_a_wrong_password_is_refused_with_a_message_and_the_form_kept(visit: Visit):
    visit.go("/login")
    visit.shoot("signin")
    visit.page.get_by_label("Name").fill("sam")
    visit.page.get_by_label("Password").fill("not-the-password")
    visit.page.get_by_role("button", name="Sign in").click()
    expect(visit.page.get_by_role("alert")).to_have_text("The name or the password is wrong.")
    expect(visit.page.get_by_label("Name")).to_have_value("sam")
    visit.shoot("signin-error")


def test_signing_in_goes_on_to_the_page_asked_for_with_a_locked_down_cookie(visit: Visit):
    visit.sign_in("tom", then="/api/v1/me")
    expect(visit.page.locator("body")).to_contain_text('"name":"tom"')
    cookie = next(c for c in visit.context.cookies() if c["name"] == "bj_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain HTTP on loopback; Secure behind TLS


def test_a_next_page_on_another_host_is_ignored(visit: Visit):
    visit.sign_in("sam", then="//elsewhere.example/steal")
    assert visit.page.url.startswith(visit.site.url)


def test_a_cookie_session_must_send_the_csrf_token_to_change_anything(visit: Visit, site: Site):
    visit.sign_in("sam", then="/api/v1/me")
    cookie = next(c for c in visit.context.cookies() if c["name"] == "bj_session")
    forged = httpx.post(
        site.url + "/api/v1/submissions/1/feedback",
        cookies={"bj_session": cookie["value"]},
        json={"rating": 5},
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf"

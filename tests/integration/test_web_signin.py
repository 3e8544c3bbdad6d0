"""Signing in to the web UI: the form and its CSRF cookie, sessions the API honours, CSRF
on changes, signing out, ended sessions, and passwords set from the CLI."""

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from batchjudge.db.accounts import User
from batchjudge.db.engine import make_session_factory
from batchjudge.db.web import WebSession
from batchjudge.services.passwords import Passwords
from batchjudge.services.web_sessions import set_password
from support.monitoring_service import Service, running_service

PASSWORD = "correct horse battery"


@pytest.fixture
def service(database_url: str, reachable_dir: Path) -> Iterator[Service]:
    with running_service(database_url, reachable_dir) as running:
        with make_session_factory(running.engine).begin() as session:
            for name in ("student", "teacher", "admin"):
                set_password(session, Passwords(), name, PASSWORD)
        yield running


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _sign_in(service: Service, name: str, password: str = PASSWORD, next_url: str = ""):
    form = service.client.get("/login")
    return service.client.post(
        "/login",
        data={
            "name": name,
            "password": password,
            "csrf_token": _form_token(form.text),
            "next": next_url,
        },
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    ("name", "home"), [("student", "/problems"), ("teacher", "/teach"), ("admin", "/admin")]
)
def test_each_role_lands_on_its_home_with_a_session_the_api_honours(
    service: Service, name: str, home: str
):
    answer = _sign_in(service, name)
    assert (answer.status_code, answer.headers["location"]) == (303, home)
    cookie = answer.headers["set-cookie"]
    assert "bj_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP; see the TLS test below
    me = service.client.get("/api/v1/me")
    assert (me.status_code, me.json()["name"]) == (200, name)
    assert service.client.get("/", follow_redirects=False).headers["location"] == home


@pytest.mark.parametrize(
    ("name", "password"),
    [("student", "wrong password"), ("nobody", PASSWORD), ("student", "")],
)
def test_a_failed_sign_in_shows_one_message_whatever_was_wrong(
    service: Service, name: str, password: str
):
    answer = _sign_in(service, name, password)
    if password == "":
        assert answer.status_code == 422  # the form needs a password
        return
    assert answer.status_code == 200
    assert "The name or the password is wrong." in answer.text
    assert "bj_session=" not in answer.headers.get("set-cookie", "")
    assert service.client.get("/api/v1/me").status_code == 401


def test_a_deactivated_user_cannot_sign_in_and_their_session_ends(service: Service):
    assert _sign_in(service, "student").status_code == 303
    with make_session_factory(service.engine).begin() as session:
        session.execute(update(User).where(User.name == "student").values(active=False))
    assert service.client.get("/api/v1/me").status_code == 401
    assert "The name or the password is wrong." in _sign_in(service, "student").text


def test_the_sign_in_form_refuses_a_post_without_its_csrf_cookie(service: Service):
    answer = service.client.post(
        "/login",
        data={"name": "student", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 200
    assert "The form had expired" in answer.text
    assert service.client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/submissions?page=2", "/submissions?page=2"),
        ("https://elsewhere.example/", "/problems"),
        ("//elsewhere.example/", "/problems"),
        ("relative", "/problems"),
    ],
)
def test_only_a_path_on_this_site_is_followed_after_signing_in(
    service: Service, target: str, landing: str
):
    assert _sign_in(service, "student", next_url=target).headers["location"] == landing


def test_a_page_sends_a_visitor_to_sign_in_and_an_api_call_gets_a_401(service: Service):
    page = service.client.get("/problems?x=1", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/problems?x=1")
    api = service.client.get("/api/v1/me")
    assert api.status_code == 401
    assert "sign in" in api.json()["error"]["message"]


def test_a_change_through_the_cookie_needs_the_sessions_csrf_token(service: Service):
    _sign_in(service, "student")
    with make_session_factory(service.engine)() as session:
        csrf = session.scalars(select(WebSession.csrf_token)).one()
    body = {"rating": 5}
    refused = service.client.post("/api/v1/submissions/999/feedback", json=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf")
    wrong = service.client.post(
        "/api/v1/submissions/999/feedback", json=body, headers={"X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    allowed = service.client.post(
        "/api/v1/submissions/999/feedback", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert allowed.status_code == 404  # past authentication: there is no submission 999


def test_signing_out_needs_the_csrf_token_and_then_ends_the_session(service: Service):
    _sign_in(service, "teacher")
    token = service.client.cookies.get("bj_session")
    assert token
    with make_session_factory(service.engine)() as session:
        csrf = session.scalars(select(WebSession.csrf_token)).one()
    forged = service.client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 303
    with make_session_factory(service.engine)() as session:
        assert len(session.scalars(select(WebSession)).all()) == 1  # not ended
    service.client.cookies.set("bj_session", token)
    out = service.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    with make_session_factory(service.engine)() as session:
        assert session.scalars(select(WebSession)).all() == []
    service.client.cookies.set("bj_session", token)
    assert service.client.get("/api/v1/me").status_code == 401


def test_an_expired_session_asks_to_sign_in_again(service: Service):
    _sign_in(service, "student")
    with make_session_factory(service.engine).begin() as session:
        past = datetime.now(UTC) - timedelta(minutes=1)
        session.execute(update(WebSession).values(expires_at=past))
    answer = service.client.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "your session has ended: sign in again"


def test_over_tls_the_session_cookie_is_secure(service: Service):
    service.client.base_url = "https://testserver"  # type: ignore[assignment]
    cookie = _sign_in(service, "student").headers["set-cookie"]
    assert "Secure" in cookie


def test_setting_a_password_ends_the_users_sessions(service: Service):
    _sign_in(service, "student")
    with make_session_factory(service.engine).begin() as session:
        set_password(session, Passwords(), "student", "another password")
    assert service.client.get("/api/v1/me").status_code == 401
    assert _sign_in(service, "student", "another password").status_code == 303


def test_the_cli_sets_a_password_from_stdin_and_refuses_a_short_one(
    database_url: str, reachable_dir: Path, service: Service
):
    env = {
        "PATH": "/usr/bin:/bin",
        "BATCHJUDGE_DATA_DIR": str(reachable_dir),
        "BATCHJUDGE_DATABASE_URL": database_url,
    }

    def cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "batchjudge", "users", "set-password", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    done = cli("teacher", stdin="a brand new one\n")
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "user teacher signs in with the new password",
    )
    assert _sign_in(service, "teacher", "a brand new one").status_code == 303
    short = cli("teacher", stdin="short\n")
    assert short.returncode == 2
    assert short.stderr.strip() == "error: a password must be 8 to 256 characters long"
    missing = cli("nobody", stdin="long enough password\n")
    assert (missing.returncode, missing.stderr.strip()) == (2, "error: there is no user 'nobody'")

"""The admin pages without a browser: who may see them, what the forms change, and how
they refuse (inline messages, the CSRF token, an admin locking themselves out)."""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from batchjudge.db.accounts import ApiToken, Role, User
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.services.passwords import Passwords
from batchjudge.services.web_sessions import set_password
from batchjudge.settings import Settings

PASSWORDS = {"ada": "ada-password-1", "tom": "tom-password-1", "sam": "sam-password-1"}
ROLES = {"ada": Role.ADMIN, "tom": Role.TEACHER, "sam": Role.STUDENT}


@dataclass
class World:
    client: TestClient
    url: str
    tokens: dict[str, str]

    def sign_in(self, name: str) -> str:
        """Sign in through the form; the page's CSRF token."""
        self.client.cookies.clear()
        form = self.client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        answer = self.client.post(
            "/login",
            data={"name": name, "password": PASSWORDS[name], "csrf_token": csrf.group(1)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return self.csrf("/admin/users" if name == "ada" else "/login")

    def csrf(self, path: str) -> str:
        page = self.client.get(path)
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
        return found.group(1) if found else ""

    def post(self, path: str, csrf: str, **fields: str):
        return self.client.post(path, data={"csrf_token": csrf, **fields}, follow_redirects=False)

    def user(self, name: str) -> User:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                row = session.scalars(select(User).where(User.name == name)).one()
                session.expunge(row)
                return row
        finally:
            engine.dispose()


@pytest.fixture
def world(reachable_dir: Path) -> Iterator[World]:
    url = f"sqlite:///{reachable_dir / 'batchjudge.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    tokens = {}
    passwords = Passwords()
    with make_session_factory(engine).begin() as session:
        for name, role in ROLES.items():
            _, tokens[name] = create_user(session, name, role, "Northside")
            session.flush()
            set_password(session, passwords, name, PASSWORDS[name])
    engine.dispose()
    with TestClient(create_app(Settings(data_dir=reachable_dir, database_url=url))) as client:
        yield World(client, url, tokens)


def html(client: TestClient, path: str):
    return client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)


def test_only_admins_see_the_admin_pages(world: World):
    for path in ("/admin", "/admin/users", "/admin/users/1"):
        anonymous = html(world.client, path)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == f"/login?next={path}"
    for name in ("tom", "sam"):
        world.sign_in(name)
        for path in ("/admin", "/admin/users", "/admin/users/1"):
            refused = html(world.client, path)
            assert refused.status_code == 403, (name, path)
            assert "this page needs the admin role" in refused.text
    world.sign_in("ada")
    for path in ("/admin", "/admin/users", "/admin/users/1"):
        page = html(world.client, path)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
    assert html(world.client, "/admin/users/999").status_code == 404


def test_the_dashboard_shell_carries_the_window_and_a_clamped_refresh_period(world: World):
    world.sign_in("ada")

    def root(query: str) -> tuple[str, str]:
        page = html(world.client, f"/admin{query}").text
        found = re.search(r'data-refresh-s="(\d+)" data-window="([^"]+)"', page)
        assert found is not None
        return found.group(1), found.group(2)

    assert root("") == ("30", "24h")
    assert root("?refresh=2&window=7d") == ("2", "7d")
    assert root("?refresh=0") == ("1", "24h")
    assert root("?refresh=9999&window=30d") == ("300", "30d")
    assert root("?refresh=soon&window=all") == ("30", "24h")
    page = html(world.client, "/admin").text
    assert 'id="health-status"' in page
    assert 'role="alert"' in page
    assert '<dialog id="reset-dialog"' in page
    assert "build/charts.js" in page


def test_a_user_is_created_with_a_password_and_shown_their_first_token_once(world: World):
    csrf = world.sign_in("ada")
    made = world.post(
        "/admin/users",
        csrf,
        name=" bea ",
        role="teacher",
        institution="Northside",
        password="bea-password-1",
    )
    assert made.status_code == 200
    assert "User bea created. They can sign in with the password you gave." in made.text
    token = re.search(r'id="new-token-value"[^>]*value="(bj_[^"]+)"', made.text)
    assert token is not None
    bea = world.user("bea")
    assert (bea.role, bea.password_hash is not None) == ("teacher", True)
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.json()["name"] == "bea"
    again = html(world.client, f"/admin/users/{bea.id}").text
    assert token.group(1) not in again
    assert token.group(1)[-6:] not in again
    listed = html(world.client, "/admin/users").text
    assert re.search(r">bea</a>.*?teacher.*?Northside.*?yes.*?set", listed, re.S)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Give the user a name."),
        ({"name": "tom"}, "A user called &#39;tom&#39; exists already."),
        ({"name": "cy", "role": "root"}, "Choose a role: student, teacher or admin."),
        ({"name": "cy", "password": "short"}, "A password must be 8 to 256 characters long."),
    ],
)
def test_a_refused_user_is_explained_next_to_the_form_and_nobody_is_created(
    world: World, fields: dict[str, str], message: str
):
    csrf = world.sign_in("ada")
    answer = world.post("/admin/users", csrf, **{"role": "student", **fields})
    assert answer.status_code == 200
    assert (
        f'<p class="alert alert-error" role="alert" id="create-error">{message}</p>' in answer.text
    )
    assert 'aria-invalid="true"' in answer.text
    engine = make_engine(world.url)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(User).where(User.name == "cy")) is None
    engine.dispose()


def test_a_form_without_the_session_csrf_token_changes_nothing(world: World):
    world.sign_in("ada")
    forged = world.client.post(
        "/admin/users",
        data={"name": "mallory", "role": "admin", "csrf_token": "guess"},
        headers={"Accept": "text/html"},
    )
    assert forged.status_code == 403
    assert "the form had expired" in forged.text
    missing = world.client.post("/admin/users/3/role", data={"role": "admin"})
    assert missing.status_code == 403
    assert world.user("sam").role == "student"


def test_roles_activity_and_passwords_change_and_an_admin_cannot_lock_themselves_out(
    world: World,
):
    csrf = world.sign_in("ada")
    sam, ada = world.user("sam"), world.user("ada")
    moved = world.post(f"/admin/users/{sam.id}/role", csrf, role="teacher")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/admin/users/{sam.id}?done=role#account"
    assert "Role changed." in html(world.client, moved.headers["location"]).text
    assert world.user("sam").role == "teacher"

    off = world.post(f"/admin/users/{sam.id}/active", csrf, active="false")
    assert off.headers["location"].endswith("?done=deactivated#account")
    headers = {"Authorization": f"Bearer {world.tokens['sam']}"}
    assert world.client.get("/api/v1/me", headers=headers).status_code == 401
    world.post(f"/admin/users/{sam.id}/active", csrf, active="true")
    assert world.client.get("/api/v1/me", headers=headers).status_code == 200

    changed = world.post(f"/admin/users/{sam.id}/password", csrf, password="a-new-password")
    assert changed.headers["location"].endswith("?done=password#password")
    short = world.post(f"/admin/users/{sam.id}/password", csrf, password="tiny")
    assert "A password must be 8 to 256 characters long." in short.text

    for path, fields, message in [
        ("role", {"role": "student"}, "You cannot take the admin role from yourself."),
        ("active", {"active": "false"}, "You cannot deactivate your own account."),
    ]:
        refused = world.post(f"/admin/users/{ada.id}/{path}", csrf, **fields)
        assert refused.status_code == 200
        assert message in refused.text
    assert (world.user("ada").role, world.user("ada").active) == ("admin", True)
    assert "?done=" not in world.post(f"/admin/users/{ada.id}/role", csrf, role="x").text


def test_tokens_are_issued_shown_once_listed_without_their_secret_and_revoked(world: World):
    csrf = world.sign_in("ada")
    sam = world.user("sam")
    issued = world.post(
        f"/admin/users/{sam.id}/tokens", csrf, label="grading script", expires_in_days="30"
    )
    assert "Copy it now." in issued.text
    token = re.search(r'id="new-token-value"[^>]*value="(bj_[^"]+)"', issued.text)
    assert token is not None
    secret = token.group(1)
    page = html(world.client, f"/admin/users/{sam.id}").text
    assert secret not in page
    assert secret[3:9] not in page
    assert "grading script" in page
    assert f"<code>bj_…{secret[-4:]}</code>" in page  # the last 4 characters only

    for days in ("0", "9999", "soon"):
        refused = world.post(f"/admin/users/{sam.id}/tokens", csrf, expires_in_days=days)
        assert "A token expires after 1 to 3650 days" in refused.text

    engine = make_engine(world.url)
    with make_session_factory(engine)() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.label == "grading script")).one()
        token_id = row.id
        assert row.expires_at is not None
    engine.dispose()
    headers = {"Authorization": f"Bearer {secret}"}
    assert world.client.get("/api/v1/me", headers=headers).status_code == 200
    revoked = world.post(f"/admin/tokens/{token_id}/revoke", csrf)
    assert revoked.headers["location"] == f"/admin/users/{sam.id}?done=revoked#tokens"
    assert world.client.get("/api/v1/me", headers=headers).status_code == 401
    assert "Token revoked" in html(world.client, revoked.headers["location"]).text
    assert html(world.client, "/admin/tokens/999/revoke").status_code == 405


def test_institutions_are_listed_and_created_once(world: World):
    csrf = world.sign_in("ada")
    made = world.post("/admin/institutions", csrf, name="Southside")
    assert made.headers["location"] == "/admin/users?done=institution#institutions"
    page = html(world.client, "/admin/users").text
    assert re.search(r"<td>Northside</td><td class=\"num\">3</td>", page)
    assert re.search(r"<td>Southside</td><td class=\"num\">0</td>", page)
    twice = world.post("/admin/institutions", csrf, name="Southside")
    assert "An institution called &#39;Southside&#39; exists already." in twice.text


def test_judge0_keys_are_added_masked_and_retired(world: World):
    csrf = world.sign_in("ada")
    secret = "key-0123456789-abcd"
    added = world.post("/admin/judge0-keys", csrf, label="main", key=secret, daily_quota="500")
    assert added.headers["location"] == "/admin/users?done=key-added#judge0-keys"
    page = html(world.client, "/admin/users").text
    assert "<code>…abcd</code>" in page
    assert secret not in page
    assert "0123456789" not in page

    bad = world.post("/admin/judge0-keys", csrf, label="bad label", key=secret, daily_quota="5")
    assert "The label &#39;bad label&#39; must be 1 to 100 letters" in bad.text
    assert secret not in bad.text  # never put back into the form
    twice = world.post("/admin/judge0-keys", csrf, label="copy", key=secret)
    assert "This Judge0 key is stored already, labelled &#39;main&#39;." in twice.text

    retired = world.post("/admin/judge0-keys/main/retire", csrf)
    assert retired.headers["location"] == "/admin/users?done=key-retired#judge0-keys"
    assert "retired" in html(world.client, "/admin/users").text
    assert world.post("/admin/judge0-keys/nothing/retire", csrf).status_code == 404


def test_an_unknown_notice_code_says_nothing(world: World):
    world.sign_in("ada")
    page = html(world.client, "/admin/users?done=<script>").text
    assert 'id="notice"' not in page


def test_the_admin_pages_answer_fast(world: World):
    world.sign_in("ada")
    for path in ("/admin", "/admin/users", "/admin/users/1"):
        html(world.client, path)  # warm: templates compiled, assets hashed
        started = time.perf_counter()
        assert html(world.client, path).status_code == 200
        assert time.perf_counter() - started < 0.3, path

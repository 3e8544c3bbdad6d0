"""The audit log: every audited action leaves exactly one entry (API, pages, CLI), the
table refuses UPDATE and DELETE in the database itself, and admins read it through
GET /api/v1/admin/audit and `batchjudge audit list`."""

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.audit import AuditEvent
from batchjudge.db.engine import make_session_factory
from batchjudge.problems.archive import zip_folder
from batchjudge.services.audit import AuditAction, record
from support.teaching import AVERAGE, PASSWORD, Teaching, teaching

JUDGE0_KEY = "rapidapi-0a1b2c3d4e5f6a7b8c9d-abcd"

Entry = tuple[str, int | None, str]


@pytest.fixture
def world(database_url: str, reachable_dir: Path) -> Iterator[Teaching]:
    with teaching(database_url, reachable_dir) as running:
        yield running


def _mark(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def _since(sessions: sessionmaker[Session], mark: int) -> list[AuditEvent]:
    with sessions() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > mark).order_by(AuditEvent.id)
        ).all()
        session.expunge_all()
        return list(rows)


class Recorder:
    """Runs an action and returns the entries it added, as (action, actor, target)."""

    def __init__(self, world: Teaching) -> None:
        self.world = world
        self.last: list[AuditEvent] = []

    def __call__(self, act: object) -> list[Entry]:
        mark = _mark(self.world.sessions)
        assert callable(act)
        act()
        self.last = _since(self.world.sessions, mark)
        return [(row.action, row.actor_id, row.target) for row in self.last]


def test_each_admin_api_action_leaves_one_entry_with_actor_target_and_address(world: Teaching):
    ada, tom = world.user_ids["ada"], world.user_ids["tom"]
    logged = Recorder(world)

    def api(method: str, path: str, who: str = "ada", status: int = 200, **kw: object) -> dict:
        answer = world.api(method, path, who, **kw)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else {}

    created: dict = {}
    entries = logged(
        lambda: created.update(api("POST", "/api/v1/admin/users", json={"name": "zoe"}, status=201))
    )
    zoe = created["id"]
    assert entries == [("user_created", ada, f"user:{zoe}")]
    assert logged.last[0].ip == "testclient"
    assert json.loads(logged.last[0].details) == {"role": "student", "via": "api"}
    assert "zoe" not in logged.last[0].details + logged.last[0].target

    patch = f"/api/v1/admin/users/{zoe}"
    assert logged(lambda: api("PATCH", patch, json={"role": "teacher"})) == [
        ("role_changed", ada, f"user:{zoe}")
    ]
    assert json.loads(logged.last[0].details)["old"] == "student"
    assert logged(lambda: api("PATCH", patch, json={"role": "teacher"})) == []
    assert logged(lambda: api("PATCH", patch, json={"active": False})) == [
        ("user_deactivated", ada, f"user:{zoe}")
    ]
    assert logged(lambda: api("PATCH", patch, json={"active": True})) == [
        ("user_reactivated", ada, f"user:{zoe}")
    ]

    token: dict = {}
    entries = logged(
        lambda: token.update(
            api("POST", f"/api/v1/admin/users/{zoe}/tokens", json={"label": "x"}, status=201)
        )
    )
    assert entries == [("token_issued", ada, f"token:{token['id']}")]
    assert token["token"] not in logged.last[0].details
    revoke = f"/api/v1/admin/tokens/{token['id']}"
    assert logged(lambda: api("DELETE", revoke, status=204)) == [
        ("token_revoked", ada, f"token:{token['id']}")
    ]
    assert logged(lambda: api("DELETE", revoke, status=204)) == []

    uploaded: dict = {}
    assert logged(lambda: uploaded.update(world.upload(who="tom"))) == [
        ("problem_uploaded", tom, f"problem:{uploaded['id']}")
    ]
    assert logged(lambda: api("POST", "/api/v1/monitoring/reset", status=201)) == [
        ("metrics_reset", ada, logged.last[0].target if logged.last else "")
    ]
    assert logged.last[0].target.startswith("metrics_reset:")

    keys = "/api/v1/admin/judge0-keys"
    body = {"label": "k1", "key": JUDGE0_KEY}
    assert logged(lambda: api("POST", keys, json=body, status=201)) == [
        ("judge0_key_added", ada, "judge0_key:k1")
    ]
    assert JUDGE0_KEY[-4:] not in logged.last[0].details
    assert logged(lambda: api("POST", f"{keys}/k1/retire")) == [
        ("judge0_key_retired", ada, "judge0_key:k1")
    ]
    assert logged(lambda: api("POST", f"{keys}/k1/retire")) == []
    assert logged(lambda: api("POST", f"{keys}/rotate-master")) == [
        ("master_key_rotated", ada, "master_key")
    ]


def _login(world: Teaching, name: str, password: str) -> int:
    world.client.cookies.clear()
    form = world.client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = world.client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    return answer.status_code


def test_signing_in_and_out_is_logged_without_the_names_typed(world: Teaching):
    sam = world.user_ids["sam"]
    logged = Recorder(world)
    assert logged(lambda: _login(world, "sam", "not the password")) == [
        ("sign_in_failed", None, f"user:{sam}")
    ]
    assert json.loads(logged.last[0].details) == {"reason": "wrong_password"}
    typo = "hunter2-typed-in-the-name-field"
    assert logged(lambda: _login(world, typo, PASSWORD)) == [("sign_in_failed", None, "")]
    assert typo not in logged.last[0].details
    assert json.loads(logged.last[0].details) == {"reason": "unknown_name"}

    assert logged(lambda: _login(world, "sam", PASSWORD)) == [("sign_in", sam, f"user:{sam}")]
    assert logged.last[0].ip == "testclient"
    page = world.client.get("/problems")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert csrf is not None

    def sign_out() -> None:
        world.client.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)

    assert logged(sign_out) == [("sign_out", sam, f"user:{sam}")]


def test_each_admin_page_and_teacher_upload_leaves_one_entry(world: Teaching):
    ada, tom = world.user_ids["ada"], world.user_ids["tom"]
    logged = Recorder(world)

    def post(path: str, who: str = "ada", **fields: str) -> None:
        data = {"csrf_token": world.browsers[who].csrf, **fields}
        answer = world.page("POST", path, who, data=data)
        assert answer.status_code in (200, 303), answer.text

    entries = logged(lambda: post("/admin/users", name="wes", role="student", password=PASSWORD))
    wes = world.sessions().scalar(text("SELECT id FROM users WHERE name = 'wes'"))
    assert entries == [("user_created", ada, f"user:{wes}"), ("password_set", ada, f"user:{wes}")]
    assert {json.loads(row.details)["via"] for row in logged.last} == {"web"}
    assert logged(lambda: post(f"/admin/users/{wes}/role", role="teacher")) == [
        ("role_changed", ada, f"user:{wes}")
    ]
    assert logged(lambda: post(f"/admin/users/{wes}/active", active="false")) == [
        ("user_deactivated", ada, f"user:{wes}")
    ]
    assert logged(lambda: post(f"/admin/users/{wes}/password", password=PASSWORD + "!")) == [
        ("password_set", ada, f"user:{wes}")
    ]
    assert logged(lambda: post(f"/admin/users/{wes}/tokens", label="laptop")) == [
        ("token_issued", ada, logged.last[0].target if logged.last else "")
    ]
    token_id = logged.last[0].target.removeprefix("token:")
    assert logged(lambda: post(f"/admin/tokens/{token_id}/revoke")) == [
        ("token_revoked", ada, f"token:{token_id}")
    ]
    key = {"label": "web-key", "key": JUDGE0_KEY, "daily_quota": "10"}
    assert logged(lambda: post("/admin/judge0-keys", **key)) == [
        ("judge0_key_added", ada, "judge0_key:web-key")
    ]
    assert logged(lambda: post("/admin/judge0-keys/web-key/retire")) == [
        ("judge0_key_retired", ada, "judge0_key:web-key")
    ]

    def upload() -> None:
        files = {"package": ("average.zip", zip_folder(AVERAGE), "application/zip")}
        data = {"csrf_token": world.browsers["tom"].csrf}
        answer = world.page("POST", "/teach/problems", "tom", data=data, files=files)
        assert answer.status_code == 303, answer.text

    entries = logged(upload)
    assert [(action, actor) for action, actor, _ in entries] == [("problem_uploaded", tom)]
    assert json.loads(logged.last[0].details)["via"] == "web"


def test_the_log_refuses_update_and_delete_in_the_database(engine: Engine):
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        record(session, AuditAction.METRICS_RESET, actor_id=None, target="x")
    for statement in (
        "UPDATE audit_events SET target = 'rewritten'",
        "DELETE FROM audit_events",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with sessions() as session:
        assert session.scalars(select(AuditEvent.target)).all() == ["x"]


def test_the_endpoint_is_for_admins_and_filters_and_pages(world: Teaching):
    ada, tom = world.user_ids["ada"], world.user_ids["tom"]
    for who in ("tom", "sam"):
        assert world.api("GET", "/api/v1/admin/audit", who).status_code == 403
    world.client.cookies.clear()
    assert world.client.get("/api/v1/admin/audit").status_code == 401

    for name in ("p1", "p2", "p3"):
        assert world.api("POST", "/api/v1/admin/users", "ada", json={"name": name}).is_success
    world.upload(who="tom")

    every = world.api("GET", "/api/v1/admin/audit?limit=1000", "ada").json()
    ids = [entry["id"] for entry in every["entries"]]
    assert ids == sorted(ids, reverse=True)
    assert every["next_before_id"] is None

    created = world.api("GET", "/api/v1/admin/audit?action=user_created", "ada").json()
    assert [e["target_name"] for e in created["entries"]] == ["p3", "p2", "p1"]
    assert {e["actor_name"] for e in created["entries"]} == {"ada"}
    by_tom = world.api("GET", f"/api/v1/admin/audit?actor_id={tom}", "ada").json()["entries"]
    assert {e["action"] for e in by_tom} == {"sign_in", "problem_uploaded"}
    assert {e["actor_id"] for e in by_tom} == {tom}
    future = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat()
    assert world.api("GET", f"/api/v1/admin/audit?since={future}", "ada").json()["entries"] == []
    assert world.api("GET", "/api/v1/admin/audit?action=nonsense", "ada").status_code == 422

    seen: list[int] = []
    query = f"/api/v1/admin/audit?actor_id={ada}&limit=2"
    page = world.api("GET", query, "ada").json()
    while True:
        assert len(page["entries"]) <= 2
        seen += [entry["id"] for entry in page["entries"]]
        if page["next_before_id"] is None:
            break
        page = world.api("GET", f"{query}&before_id={page['next_before_id']}", "ada").json()
    everything_by_ada = [e["id"] for e in every["entries"] if e["actor_id"] == ada]
    assert seen == everything_by_ada
    assert len(seen) == 4


def _cli(data_dir: Path, database_url: str):
    env = {
        "PATH": "/usr/bin:/bin",
        "BATCHJUDGE_DATA_DIR": str(data_dir),
        "BATCHJUDGE_DATABASE_URL": database_url,
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "batchjudge", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    return run


def test_cli_actions_are_logged_without_an_actor_and_listed(reachable_dir: Path):
    # SQLite only: the entries are the database's, tested on both above; this is output.
    run = _cli(reachable_dir, f"sqlite:///{reachable_dir / 'cli.sqlite3'}")
    assert run("db", "upgrade").returncode == 0
    steps = [
        (("users", "create", "vic", "--role", "teacher"), ""),
        (("users", "set-password", "vic"), PASSWORD + "\n"),
        (("keys", "add", "cli-key"), JUDGE0_KEY),
        (("keys", "retire", "cli-key"), ""),
        (("keys", "rotate-master"), ""),
    ]
    for args, stdin in steps:
        result = run(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr

    listed = run("audit", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    entries = json.loads(listed.stdout)["entries"]
    assert [(e["action"], e["actor_id"]) for e in entries] == [
        ("master_key_rotated", None),
        ("judge0_key_retired", None),
        ("judge0_key_added", None),
        ("password_set", None),
        ("user_created", None),
    ]
    assert {e["details"]["via"] for e in entries} == {"cli"}
    assert entries[-1]["target_name"] == "vic"

    table = run("audit", "list", "--action", "user_created")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.strip().splitlines()
    assert header.split()[:3] == ["id", "time", "(UTC)"]
    assert len(rows) == 1
    assert "user_created" in rows[0]
    assert "(vic)" in rows[0]
    unknown = run("audit", "list", "--user", "nobody")
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "error: there is no user 'nobody'")

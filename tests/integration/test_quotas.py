"""Institution quotas through the real app: usage counted from the executions table,
read by teachers and admins, set by admins (audited), enforced on submission."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from batchjudge.db.accounts import Institution
from batchjudge.db.audit import AuditEvent
from batchjudge.db.submissions import Execution
from batchjudge.services.quotas import Month
from support.teaching import Teaching, teaching

pytestmark = pytest.mark.sandbox

PROGRAM = "print(sum(map(float, input().split())) / 2)\n"


@pytest.fixture
def world(database_url: str, reachable_dir: Path) -> Iterator[Teaching]:
    with teaching(database_url, reachable_dir, rate_limit_submissions="100/minute") as running:
        yield running


def _institution_id(world: Teaching, name: str) -> int:
    with world.sessions() as session:
        found = session.scalar(select(Institution.id).where(Institution.name == name))
        assert found is not None
        return found


def _spend(world: Teaching, who: str, problem_id: int, rows: list[tuple[str, str]], when=None):
    """One graded submission by `who` with an execution row per (kind, backend)."""
    submission_id = world.add_submission(who, problem_id, ["AC"])
    with world.sessions.begin() as session:
        for kind, backend in rows:
            session.add(
                Execution(
                    submission_id=submission_id,
                    kind=kind,
                    backend=backend,
                    tests_covered=1,
                    duration_s=0.1,
                    outcome="",
                    created_at=when or datetime.now(UTC),
                )
            )


def test_usage_counts_this_months_executions_and_remote_calls(world: Teaching):
    problem_id = world.upload()["id"]
    north = _institution_id(world, "Northside")
    _spend(world, "sam", problem_id, [("compile", "local"), ("run", "local"), ("run", "local")])
    remote = [("run", "judge0"), ("poll", "judge0"), ("poll", "judge0"), ("fallback", "judge0")]
    _spend(world, "sam", problem_id, remote)
    last_month = Month.containing(datetime.now(UTC)).start - timedelta(days=3)
    _spend(world, "sam", problem_id, [("run", "judge0")] * 5, when=last_month)
    _spend(world, "olga", problem_id, [("run", "local")] * 7)  # another institution
    usage = world.api("GET", f"/api/v1/institutions/{north}/usage", "tom")
    assert usage.status_code == 200, usage.text
    body = usage.json()
    # Executions: compile + 2 runs, and the remote run (the create); polls and the fallback
    # ran nothing. Remote calls: the create and its 2 polls.
    assert body["executions"] == {"used": 4, "quota": None, "remaining": None}
    assert body["remote_calls"] == {"used": 3, "quota": None, "remaining": None}
    assert body["period"]["label"] == Month.containing(datetime.now(UTC)).label
    assert world.api("GET", f"/api/v1/institutions/{north}/usage", "ada").status_code == 200
    for outsider in ("tess", "sam", "nora"):
        assert world.api("GET", f"/api/v1/institutions/{north}/usage", outsider).status_code == 403


def test_admins_set_quotas_and_the_change_is_audited(world: Teaching):
    north = _institution_id(world, "Northside")
    path = f"/api/v1/institutions/{north}"
    assert world.api("PATCH", path, "tom", json={"monthly_execution_quota": 5}).status_code == 403
    changed = world.api("PATCH", path, "ada", json={"monthly_execution_quota": 5})
    assert changed.status_code == 200, changed.text
    assert changed.json()["executions"]["quota"] == 5
    both = world.api("PATCH", path, "ada", json={"monthly_remote_call_quota": 100})
    assert both.json()["executions"]["quota"] == 5  # left out: unchanged
    assert both.json()["remote_calls"] == {"used": 0, "quota": 100, "remaining": 100}
    unlimited = world.api("PATCH", path, "ada", json={"monthly_execution_quota": None})
    assert unlimited.json()["executions"]["quota"] is None
    assert world.api("PATCH", path, "ada", json={"monthly_execution_quota": -1}).status_code == 422
    assert world.api("PATCH", "/api/v1/institutions/9999", "ada", json={}).status_code == 404
    with world.sessions() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "quota_changed").order_by(AuditEvent.id)
        ).all()
    assert [json.loads(row.details)["executions"] for row in rows] == [5, 5, None]
    assert {row.actor_id for row in rows} == {world.user_ids["ada"]}
    assert {row.target for row in rows} == {f"institution:{north}"}


def test_a_submission_over_the_quota_is_refused_with_a_clear_message(world: Teaching):
    problem_id = world.upload()["id"]
    north = _institution_id(world, "Northside")
    world.api("PATCH", f"/api/v1/institutions/{north}", "ada", json={"monthly_execution_quota": 3})
    _spend(world, "sam", problem_id, [("compile", "local"), ("run", "local"), ("run", "local")])
    body = {"problem_id": problem_id, "language": "python3", "source": PROGRAM}
    refused = world.api("POST", "/api/v1/submissions", "sam", json=body)
    assert refused.status_code == 429, refused.text
    month = Month.containing(datetime.now(UTC))
    expected = (
        f"your institution has used its 3 executions for {month.label}; "
        f"the quota resets on {month.resets_on}"
    )
    assert refused.json()["error"]["message"] == expected
    wait = int(refused.headers["Retry-After"])
    until_next_month = (month.end - datetime.now(UTC)).total_seconds()
    assert abs(wait - until_next_month) < 60
    # The web form and the Judge0 API refuse too; another institution does not.
    form = {"language": "python3", "style": "auto", "source": PROGRAM}
    form["csrf_token"] = world.browsers["sam"].csrf
    page = world.page("POST", f"/problems/{problem_id}/submit", "sam", data=form)
    assert page.status_code == 429
    assert "Your institution has used its 3 executions" in page.text
    world.client.cookies.clear()
    judge0 = world.client.post(
        "/judge0/submissions",
        json={"language_id": 71, "source_code": PROGRAM},
        headers={"X-Auth-Token": world.tokens["sam"]},
    )
    assert judge0.status_code == 429
    assert judge0.json() == {"error": expected}
    assert world.api("POST", "/api/v1/submissions", "olga", json=body).status_code == 202


def test_usage_shows_on_the_teacher_and_admin_pages(world: Teaching):
    problem_id = world.upload()["id"]
    north = _institution_id(world, "Northside")
    world.api("PATCH", f"/api/v1/institutions/{north}", "ada", json={"monthly_execution_quota": 50})
    _spend(world, "sam", problem_id, [("run", "local")] * 2)
    home = world.page("GET", "/teach", "tom")
    assert home.status_code == 200
    assert "Northside: usage in" in home.text
    assert 'data-usage="executions">2 <span class="muted">of 50</span>' in home.text
    users = world.page("GET", "/admin/users", "ada")
    assert users.status_code == 200
    row = users.text.split('data-institution="Northside"')[1].split("</tr>")[0]
    assert '2 <span class="muted">of 50</span>' in row
    assert "Eastside: usage" not in home.text

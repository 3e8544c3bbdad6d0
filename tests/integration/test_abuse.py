"""Abuse detection through the real app: floods, oversized uploads and sandbox violations
flag a user and block their submissions; admins see and clear flags; all is audited."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from batchjudge.db.abuse import AbuseFlag
from batchjudge.db.audit import AuditEvent
from support.teaching import Teaching, teaching

pytestmark = pytest.mark.sandbox

PROGRAM = "print(1)\n"
NO_PROBLEM = 999_999


@pytest.fixture
def world(
    database_url: str, reachable_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Teaching]:
    overrides = {
        "rate_limit_submissions": "1/minute",
        "abuse_flood_limit": 2,
        "abuse_violation_limit": 2,
        "abuse_block_s": 900.0,
        "max_source_bytes": 200,
    }
    overrides |= getattr(request, "param", {})
    with teaching(database_url, reachable_dir, **overrides) as running:
        yield running


def _submit(world: Teaching, who: str = "sam", source: str = PROGRAM, problem_id: int = NO_PROBLEM):
    body = {"problem_id": problem_id, "language": "python3", "source": source}
    return world.api("POST", "/api/v1/submissions", who, json=body)


def _audit(world: Teaching, action: str) -> list[AuditEvent]:
    with world.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _flood(world: Teaching) -> None:
    """One submission, then two refused by the rate limit: the second refusal flags."""
    assert _submit(world).status_code == 404
    for _ in range(2):
        refused = _submit(world)
        assert refused.status_code == 429
        assert "too many submissions" in refused.json()["error"]["message"]


def test_a_flood_flags_blocks_and_an_admin_clears_it(world: Teaching):
    sam = world.user_ids["sam"]
    _flood(world)
    blocked = _submit(world)
    assert blocked.status_code == 429
    message = blocked.json()["error"]["message"]
    assert message.startswith("your submissions are blocked until ")
    assert "after too many submissions too fast; an admin can lift the block sooner" in message
    assert 800 < int(blocked.headers["Retry-After"]) <= 900
    assert _submit(world, "olga").status_code == 404  # nobody else is blocked
    [flagged] = _audit(world, "abuse_flagged")
    assert (flagged.actor_id, flagged.target) == (None, f"user:{sam}")
    assert json.loads(flagged.details)["signal"] == "submission_flood"

    assert world.api("GET", "/api/v1/admin/abuse-flags", "sam").status_code == 403
    [flag] = world.api("GET", "/api/v1/admin/abuse-flags", "ada").json()
    assert (flag["user_name"], flag["signal"], flag["active"]) == ("sam", "submission_flood", True)
    path = f"/api/v1/admin/abuse-flags/{flag['id']}/clear"
    assert world.api("POST", path, "tom").status_code == 403
    cleared = world.api("POST", path, "ada")
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["active"], cleared.json()["cleared_by_id"]) == (
        False,
        world.user_ids["ada"],
    )
    assert world.api("POST", path, "ada").status_code == 409
    [audited] = _audit(world, "abuse_cleared")
    assert (audited.actor_id, audited.target) == (world.user_ids["ada"], f"user:{sam}")
    # No longer blocked: what stops sam now is only the rate limit's window.
    after = _submit(world)
    assert after.status_code == 429
    assert "blocked" not in after.json()["error"]["message"]


def test_admins_clear_flags_on_the_abuse_page(world: Teaching):
    _flood(world)
    problem_id = world.upload()["id"]
    form = {"language": "python3", "style": "auto", "source": PROGRAM}
    form["csrf_token"] = world.browsers["sam"].csrf
    page = world.page("POST", f"/problems/{problem_id}/submit", "sam", data=form)
    assert page.status_code == 429
    assert "Your submissions are blocked until" in page.text
    listing = world.page("GET", "/admin/abuse", "ada")
    assert listing.status_code == 200
    assert "Submission flood" in listing.text
    assert "blocking" in listing.text
    assert world.page("GET", "/admin/abuse", "tom").status_code == 403
    with world.sessions() as session:
        flag_id = session.scalars(select(AbuseFlag.id)).one()
    path = f"/admin/abuse/{flag_id}/clear"
    forged = world.page("POST", path, "ada", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    done = world.page("POST", path, "ada", data={"csrf_token": world.browsers["ada"].csrf})
    assert (done.status_code, done.headers["location"]) == (
        303,
        "/admin/abuse?done=abuse-cleared#flags",
    )
    after = world.page("GET", "/admin/abuse?done=abuse-cleared", "ada")
    assert "Flag cleared: the user may submit again." in after.text
    assert "blocking" not in after.text
    assert len(_audit(world, "abuse_cleared")) == 1


@pytest.mark.parametrize("world", [{"rate_limit_submissions": "100/minute"}], indirect=True)
def test_repeated_oversized_sources_flag_the_user(world: Teaching):
    huge = "x = 1\n" * 100
    for _ in range(2):
        assert _submit(world, source=huge).status_code == 413
    with world.sessions() as session:
        flag = session.scalars(select(AbuseFlag)).one()
    assert (flag.user_id, flag.signal) == (world.user_ids["sam"], "oversized_upload")
    assert "the source is 600 bytes" in flag.detail
    assert _submit(world).status_code == 429


@pytest.mark.parametrize("world", [{"rate_limit_submissions": "100/minute"}], indirect=True)
def test_repeated_memory_hogs_in_the_real_sandbox_flag_the_user(world: Teaching):
    problem_id = world.upload()["id"]
    hog = "x = bytearray(1 << 30)\nprint(len(x))\n"
    ids = [_submit(world, source=hog, problem_id=problem_id).json()["id"] for _ in range(2)]
    deadline = time.monotonic() + 120
    flags: list[AbuseFlag] = []
    while time.monotonic() < deadline and not flags:
        time.sleep(0.2)
        with world.sessions() as session:
            flags = list(session.scalars(select(AbuseFlag)))
    assert len(flags) == 1, "no flag after two memory hogs"
    assert flags[0].signal == "sandbox_violations"
    # The second to finish raises it (two workers may finish them in either order).
    assert flags[0].detail in {f"submission {i}: memory hog" for i in ids}
    [flagged] = _audit(world, "abuse_flagged")
    assert json.loads(flagged.details)["count"] == 2
    blocked = _submit(world, problem_id=problem_id)
    assert "after repeated sandbox violations" in blocked.json()["error"]["message"]

"""Rate limits through the real app: per user on every way of submitting, per address on
the routes that need no sign-in, and one Redis shared by two app instances."""

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from batchjudge.service.app import create_app
from batchjudge.service.preflight import startup_problems
from batchjudge.settings import Settings
from support.teaching import PASSWORD, Teaching, teaching

pytestmark = pytest.mark.sandbox

REDIS = "redis://127.0.0.1:6379/0"
PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"
NO_PROBLEM = 999_999


@pytest.fixture
def world(
    database_url: str, reachable_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Teaching]:
    overrides = {"rate_limit_submissions": "2/minute", "rate_limit_anonymous": "3/minute"}
    overrides |= getattr(request, "param", {})
    with teaching(database_url, reachable_dir, **overrides) as running:
        yield running


def _submit(world: Teaching, who: str, problem_id: int = NO_PROBLEM):
    body = {"problem_id": problem_id, "language": "python3", "source": PROGRAM}
    return world.api("POST", "/api/v1/submissions", who, json=body)


def _assert_limited(response, text: str) -> None:
    assert response.status_code == 429, response.text
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert text in response.text


def test_the_api_refuses_the_submission_over_the_limit(world: Teaching):
    problem_id = world.upload()["id"]
    assert _submit(world, "sam", problem_id).status_code == 202
    assert _submit(world, "sam").status_code == 404  # a refused submission still counts
    refused = _submit(world, "sam", problem_id)
    _assert_limited(refused, "too many submissions: at most 2 per minute")
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert _submit(world, "olga", problem_id).status_code == 202  # her own counter


def test_teachers_have_the_higher_staff_limit(world: Teaching):
    # The student limit is 2/minute here; staff keep the default 600/minute.
    for _ in range(3):
        assert _submit(world, "sam").status_code in (404, 429)
    _assert_limited(_submit(world, "sam"), "at most 2 per minute")
    for _ in range(4):
        assert _submit(world, "tom").status_code == 404


def test_the_web_form_shows_the_message_over_the_limit(world: Teaching):
    problem_id = world.upload()["id"]
    path = f"/problems/{problem_id}/submit"
    form = {"language": "python3", "style": "auto", "source": PROGRAM}
    form["csrf_token"] = world.browsers["sam"].csrf
    for _ in range(2):
        assert world.page("POST", path, "sam", data=form).status_code == 303
    page = world.page("POST", path, "sam", data=form)
    _assert_limited(page, "Too many submissions: at most 2 per minute")
    assert "a, b = map(int" in page.text  # the code is kept in the form


def test_the_judge0_api_counts_each_submission_of_a_batch(world: Teaching):
    headers = {"X-Auth-Token": world.tokens["sam"]}
    item = {"language_id": 71, "source_code": PROGRAM, "stdin": "1 2"}
    world.client.cookies.clear()
    created = world.client.post(
        "/judge0/submissions/batch", json={"submissions": [item, item]}, headers=headers
    )
    assert created.status_code == 201, created.text
    refused = world.client.post("/judge0/submissions", json=item, headers=headers)
    _assert_limited(refused, "too many submissions")
    assert set(refused.json()) == {"error"}  # Judge0's error shape
    too_big = world.client.post(
        "/judge0/submissions/batch", json={"submissions": [item] * 3}, headers=headers
    )
    assert too_big.status_code == 429
    assert "3 submissions at once are more than the 2 per minute" in too_big.json()["error"]


def _sign_in(world: Teaching, password: str):
    world.client.cookies.clear()
    form = world.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"name": "sam", "password": password, "csrf_token": token.group(1)}
    return world.client.post("/login", data=data, follow_redirects=False)


def test_sign_in_attempts_are_limited_per_address(world: Teaching):
    for _ in range(3):
        assert _sign_in(world, "wrong password").status_code == 200
    refused = _sign_in(world, PASSWORD)  # even the right password waits
    _assert_limited(refused, "Too many sign-in attempts from your address")
    assert 'name="name"' in refused.text  # the form, not an error page
    for _ in range(5):  # probes and metrics are never limited
        assert world.client.get("/health").status_code != 429
        assert world.client.get("/metrics").status_code != 429


@pytest.mark.parametrize("world", [{"judge0_api_auth": False}], indirect=True)
def test_an_open_judge0_api_is_limited_per_address(world: Teaching):
    world.client.cookies.clear()
    for _ in range(3):
        assert world.client.get("/judge0/statuses").status_code == 200
    _assert_limited(world.client.get("/judge0/statuses"), "too many requests from your address")


def _settings(database_url: str, data_dir: Path, prefix: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=REDIS,
        rate_limit_prefix=prefix,
        rate_limit_submissions="2/minute",
    )


def test_two_app_instances_share_the_counter_in_redis(
    world: Teaching, database_url: str, reachable_dir: Path
):
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    store = redis.Redis.from_url(REDIS)
    for name in ("a", "b"):
        (reachable_dir / name).mkdir(mode=0o755)
    headers = {"Authorization": f"Bearer {world.tokens['sam']}"}
    body = {"problem_id": NO_PROBLEM, "language": "python3", "source": PROGRAM}
    try:
        with (
            # Two API-only replicas, as when scaled out (the world's service grades):
            # grading processes of one machine would be refused for sharing sandbox uids.
            TestClient(
                create_app(_settings(database_url, reachable_dir / "a", prefix), grading=False)
            ) as first,
            TestClient(
                create_app(_settings(database_url, reachable_dir / "b", prefix), grading=False)
            ) as second,
        ):
            assert first.post("/api/v1/submissions", json=body, headers=headers).status_code == 404
            assert second.post("/api/v1/submissions", json=body, headers=headers).status_code == 404
            refused = first.post("/api/v1/submissions", json=body, headers=headers)
            _assert_limited(refused, "too many submissions")
            assert store.keys(f"LIMITS:LIMITER/{prefix}/*")
    finally:
        keys = store.keys(f"LIMITS:LIMITER/{prefix}/*")
        if keys:
            store.delete(*keys)
        store.close()


def test_start_up_names_a_bad_limit_and_an_unreachable_redis(reachable_dir: Path):
    bad = startup_problems(Settings(data_dir=reachable_dir, rate_limit_anonymous="lots"))
    assert any(
        p.startswith("BATCHJUDGE_RATE_LIMIT_ANONYMOUS='lots' is not a rate limit") for p in bad
    )
    gone = startup_problems(Settings(data_dir=reachable_dir, redis_url="redis://127.0.0.1:1/0"))
    assert "cannot reach the Redis that BATCHJUDGE_REDIS_URL names (rate-limit counters)" in gone
    fine = startup_problems(Settings(data_dir=reachable_dir, redis_url=REDIS))
    assert not [p for p in fine if "Redis" in p or "RATE_LIMIT" in p]

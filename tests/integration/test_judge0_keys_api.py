"""The admin API for Judge0 keys, in-process on both databases."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.judge0.keys import KeyCipher
from batchjudge.judge0.master_key import load_master_keys
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.settings import Settings

KEY = "rapidapi-5e6f7a8b9c0d1e2f3a4b-abcd"
BASE = "/api/v1/admin/judge0-keys"

Api = Callable[..., Any]


@pytest.fixture
def settings(database_url: str, reachable_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("MASTER_KEY", "MASTER_KEY_FILE", "MASTER_KEY_PREVIOUS", "CONFIG"):
        monkeypatch.delenv(f"BATCHJUDGE_{name}", raising=False)
    return Settings(data_dir=reachable_dir, database_url=database_url)


def _start(settings: Settings) -> Iterator[Api]:
    upgrade(settings.database_url or "")
    engine = make_engine(settings.database_url or "")
    tokens = {}
    with make_session_factory(engine).begin() as session:
        for role in (Role.ADMIN, Role.TEACHER):
            _, tokens[role.value] = create_user(session, role.value, role)
    engine.dispose()
    with TestClient(create_app(settings)) as client:

        def call(method: str, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            return client.request(method, BASE + path, headers=headers, **kwargs)

        yield call


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from _start(settings)


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    return str(body["error"]["message"])


def test_an_admin_adds_lists_retires_and_rotates(api: Api, settings: Settings):
    added = api("POST", "", json={"label": "school-a", "key": KEY, "daily_quota": 250})
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["label"], body["key"], body["daily_quota"], body["remaining"]) == (
        "school-a",
        "…abcd",
        250,
        250,
    )
    assert body["retired"] is False
    listed = api("GET", "")
    assert [key["key"] for key in listed.json()] == ["…abcd"]
    old = load_master_keys(settings, settings.data_dir).current
    rotated = api("POST", "/rotate-master")
    assert rotated.json() == {"reencrypted": 1, "sources": 0}
    assert load_master_keys(settings, settings.data_dir).current != old
    retired = api("POST", "/school-a/retire")
    assert retired.status_code == 200, retired.text
    assert (retired.json()["retired"], retired.json()["remaining"]) == (True, 0)
    for response in (added, listed, rotated, retired):
        assert KEY[:-4] not in response.text


def test_only_admins_may_touch_keys(api: Api):
    assert _error(api("GET", "", who="teacher"), 403, "forbidden") == "this needs the admin role"
    _error(api("POST", "", who="teacher", json={"label": "a", "key": KEY}), 403, "forbidden")
    _error(api("POST", "/rotate-master", who="teacher"), 403, "forbidden")
    _error(api("POST", "/a/retire", who="teacher"), 403, "forbidden")
    _error(api("GET", "", who=None), 401, "unauthorized")


@pytest.mark.parametrize(
    "body",
    [
        {"label": "a"},
        {"label": "bad label", "key": KEY},
        {"label": "a", "key": "short"},
        {"label": "a", "key": KEY, "daily_quota": 0},
        {"label": "a", "key": ["not", "a", "string"]},
    ],
)
def test_malformed_bodies_are_422_without_the_key(api: Api, body: dict[str, Any]):
    response = api("POST", "", json=body)
    _error(response, 422, "invalid_request")
    assert KEY[:-4] not in response.text


def test_conflicts_and_unknown_labels(api: Api):
    assert api("POST", "", json={"label": "a", "key": KEY}).status_code == 201
    duplicate = api("POST", "", json={"label": "a", "key": "another-key-1234"})
    assert _error(duplicate, 409, "conflict") == "a Judge0 key labelled 'a' exists already"
    twin = api("POST", "", json={"label": "b", "key": KEY})
    assert _error(twin, 409, "conflict") == "this Judge0 key is stored already, labelled 'a'"
    spaced = api("POST", "", json={"label": "c", "key": "two words here"})
    assert "one word" in _error(spaced, 400, "bad_request")
    unknown = api("POST", "/nope/retire")
    assert _error(unknown, 404, "not_found") == "there is no Judge0 key labelled 'nope'"


def test_an_unsafe_key_file_is_503(api: Api, settings: Settings):
    assert api("POST", "", json={"label": "a", "key": KEY}).status_code == 201
    (settings.data_dir / "master.key").chmod(0o604)
    response = api("POST", "", json={"label": "b", "key": "another-key-1234"})
    assert "chmod 600" in _error(response, 503, "master_key_unavailable")
    assert api("GET", "").status_code == 200  # listing needs no master key


def test_an_environment_master_key_is_not_rotated_by_the_service(settings: Settings):
    from_env = settings.model_copy(
        update={"master_key": SecretStr(KeyCipher.new_master_key().decode())}
    )
    for api in _start(from_env):
        assert api("POST", "", json={"label": "a", "key": KEY}).status_code == 201
        message = _error(api("POST", "/rotate-master"), 409, "master_key_from_environment")
        assert "BATCHJUDGE_MASTER_KEY" in message
        assert "batchjudge keys rotate-master" in message
    assert not (settings.data_dir / "master.key").exists()

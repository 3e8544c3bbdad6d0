"""What docs/operators/deployment.md and upgrades.md tell operators about a real server:
the headers a TLS proxy must send and whom they are trusted from, live results that a
proxy must not buffer, `/metrics` without a token, and a database migrated by a newer
version."""

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.service_process import ServiceProcess, new_data_dir

REPO = Path(__file__).resolve().parents[2]
CLIENT = "203.0.113.7"  # what the proxy says the client's address is
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT}


def _demo_service(**env: str) -> ServiceProcess:
    data = new_data_dir("bj-deploy-")
    service = ServiceProcess(data, f"sqlite:///{data / 'batchjudge.sqlite3'}", **env)
    service.cli("db", "upgrade")
    return service


def _seed(service: ServiceProcess) -> dict[str, str]:
    """Seed the demo (from the repository root); role -> (password, token)."""
    done = subprocess.run(
        [sys.executable, "-m", "batchjudge", "seed-demo", "examples/average"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=service.env,
        check=True,
    )
    assert "demo-student" in done.stdout
    passwords = json.loads((service.data / "demo-passwords.json").read_text())
    tokens = json.loads((service.data / "demo-tokens.json").read_text())
    return {"password": passwords["student"], "token": tokens["student"]}


@pytest.fixture(scope="module")
def behind_loopback_proxy() -> Iterator[tuple[ServiceProcess, dict[str, str]]]:
    """A server as `batchjudge serve` runs it, its proxy on the same machine."""
    service = _demo_service()
    demo = _seed(service)
    service.start(demo["token"])
    try:
        yield service, demo
    finally:
        service.stop()
        shutil.rmtree(service.data, ignore_errors=True)


def _sign_in(service: ServiceProcess, password: str, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(base_url=service.url, timeout=30) as browser:
        form = browser.get("/login")  # over plain HTTP: its CSRF cookie comes back
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        return browser.post(
            "/login",
            data={"name": "demo-student", "password": password, "csrf_token": token.group(1)},
            headers=headers,
        )


def _last_sign_in_address(service: ServiceProcess) -> str:
    listing = json.loads(service.cli("audit", "list", "--action", "sign_in", "--json"))
    return str(listing["entries"][0]["ip"])


def _session_cookie(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("bj_session="))
    return cookie


def test_a_proxy_on_the_same_machine_makes_cookies_secure_and_names_the_client(
    behind_loopback_proxy,
):
    service, demo = behind_loopback_proxy
    answer = _sign_in(service, demo["password"], PROXY_HEADERS)
    assert "Secure" in _session_cookie(answer)
    assert _last_sign_in_address(service) == CLIENT


def test_without_the_proxy_headers_the_cookie_is_not_secure(behind_loopback_proxy):
    service, demo = behind_loopback_proxy
    answer = _sign_in(service, demo["password"], {})
    assert "Secure" not in _session_cookie(answer)
    assert _last_sign_in_address(service) == "127.0.0.1"


def test_proxy_headers_from_an_address_not_trusted_are_ignored():
    service = _demo_service(FORWARDED_ALLOW_IPS="192.0.2.1")
    demo = _seed(service)
    service.start(demo["token"])
    try:
        answer = _sign_in(service, demo["password"], PROXY_HEADERS)
        assert "Secure" not in _session_cookie(answer)
        assert _last_sign_in_address(service) == "127.0.0.1"
    finally:
        service.stop()
        shutil.rmtree(service.data, ignore_errors=True)


def test_live_results_tell_nginx_not_to_buffer_and_metrics_need_no_token(
    behind_loopback_proxy,
):
    service, demo = behind_loopback_proxy
    with service.client(demo["token"]) as client:
        submitted = client.post(
            "/api/v1/submissions",
            json={"problem_id": 1, "language": "python3", "source": "print(1)\n"},
        )
        assert submitted.status_code == 202, submitted.text
        path = f"/api/v1/submissions/{submitted.json()['id']}/events"
        with client.stream("GET", path) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert stream.headers["x-accel-buffering"] == "no"
    metrics = httpx.get(service.url + "/metrics", timeout=30)
    assert metrics.status_code == 200
    assert "batchjudge_http_request_duration_seconds" in metrics.text


def test_a_database_migrated_by_a_newer_version_is_refused_with_what_to_do():
    service = _demo_service()
    with sqlite3.connect(service.data / "batchjudge.sqlite3") as database:
        database.execute("UPDATE alembic_version SET version_num = '9999'")
    env = service.env
    upgrade = subprocess.run(
        [sys.executable, "-m", "batchjudge", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert upgrade.returncode == 2
    assert upgrade.stderr.startswith("error: cannot upgrade the database: ")
    assert "a newer batchjudge has migrated it" in upgrade.stderr
    assert len(upgrade.stderr.strip().splitlines()) == 1
    serve = subprocess.run(
        [sys.executable, "-m", "batchjudge", "serve", "--port", str(service.port)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert serve.returncode == 2
    assert "is not up to date: run `batchjudge db upgrade`" in serve.stderr
    service.stop()
    shutil.rmtree(service.data, ignore_errors=True)

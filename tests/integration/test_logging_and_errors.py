"""Logs and errors: JSON lines with request and submission ids, no secret in any line,
and unexpected exceptions answered in our error shape, stored (the latest 100) and
listed for admins only."""

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_session_factory
from batchjudge.db.monitoring import ErrorEvent
from batchjudge.db.submissions import SubmissionStatus
from batchjudge.domain.styles import Style
from batchjudge.execution.fake import FakeBackend, FakeTest
from batchjudge.grading.options import GradeOptions
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.monitoring.error_log import ErrorLog
from batchjudge.monitoring.logging_setup import configure_logging, unconfigure_logging
from batchjudge.monitoring.redaction import redact
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.services.accounts import create_user
from batchjudge.services.grading_jobs import GradingContext, grade_submission
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import SubmissionRequest, submit
from batchjudge.settings import LogFormat
from batchjudge.storage.blobs import BlobStore
from support.monitoring_service import Service, running_service

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum-pairs"
ERRORS = "/api/v1/monitoring/errors"
INTERNAL = {"error": {"code": "internal", "message": "internal error; it has been logged"}}


def _add_test_routes(service: Service) -> None:
    """A route that logs and one that fails, added to the running app."""
    app = service.client.app
    assert isinstance(app, FastAPI)

    def noisy() -> dict[str, str]:
        logging.getLogger("batchjudge.tests").info("inside the request")
        return {}

    def boom(n: int = 0, say: str = "") -> None:
        raise RuntimeError(f"planted failure {n} {say}".strip())

    app.add_api_route("/test/noisy", noisy)
    app.add_api_route("/test/boom", boom)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_json_log_lines_carry_the_request_id(
    database_url: str, reachable_dir: Path, capsys: pytest.CaptureFixture[str]
):
    with running_service(database_url, reachable_dir, log_format="json") as service:
        _add_test_routes(service)
        chosen = service.client.get("/test/noisy", headers={"X-Request-ID": "trace-42"})
        made = service.client.get("/test/noisy", headers={"X-Request-ID": "not safe!" * 3})
        added = service.post(
            "/api/v1/admin/judge0-keys", "admin", json={"label": "k1", "key": "a" * 20}
        )
    assert chosen.headers["x-request-id"] == "trace-42"
    generated = made.headers["x-request-id"]
    assert len(generated) == 32
    assert "not safe" not in generated
    assert added.status_code == 201, added.text
    lines = _json_lines(capsys.readouterr().err)
    inside = [line for line in lines if line["message"] == "inside the request"]
    assert [line["request_id"] for line in inside] == ["trace-42", generated]
    assert inside[0]["level"] == "INFO"
    assert inside[0]["logger"] == "batchjudge.tests"
    assert str(inside[0]["time"]).endswith("Z")
    (key_line,) = [line for line in lines if "added Judge0 key" in str(line["message"])]
    assert key_line["request_id"] == added.headers["x-request-id"]
    assert "submission_id" not in key_line


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The service's log configuration, writing JSON lines to a buffer."""
    buffer = io.StringIO()
    handler = configure_logging(LogFormat.JSON, stream=buffer)
    yield buffer
    unconfigure_logging(handler)


def test_a_grading_crash_is_logged_with_its_submission_and_kept(
    engine: Engine, reachable_dir: Path, registry: LanguageRegistry, json_log: io.StringIO
):
    sessions = make_session_factory(engine)
    store = BlobStore(reachable_dir / "blobs")
    with sessions.begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        session.flush()
        imported = import_package(
            session, store, teacher, zip_folder(EXAMPLE), "sum-pairs.zip", ArchiveLimits()
        )
        request = SubmissionRequest(imported.problem_id, "python3", "print(1)\n", Style.AUTO)
        submission_id = submit(session, teacher, request, registry, 64 << 10).id

    def bug(_input: bytes) -> FakeTest:
        raise RuntimeError("planted bug in the engine")

    counted: list[str] = []
    errors = ErrorLog(sessions, counted.append)
    context = GradingContext(
        sessions=sessions,
        backend=FakeBackend(bug),
        registry=registry,
        store=store,
        problem_cache=reachable_dir / "problems",
        archive_limits=ArchiveLimits(),
        options=GradeOptions(),
        on_crash=errors.crash_hook("grading"),
    )
    status = asyncio.run(grade_submission(context, submission_id))
    assert status is SubmissionStatus.FAILED
    lines = _json_lines(json_log.getvalue())
    (crash,) = [line for line in lines if "failed" in str(line["message"])]
    assert crash["submission_id"] == submission_id
    assert crash["level"] == "ERROR"
    assert "planted bug in the engine" in str(crash["exception"])
    assert all(line.get("submission_id") == submission_id for line in lines)
    assert counted == ["grading"]
    (kept,) = errors.recent()
    assert kept.kind == "RuntimeError"
    assert kept.context == f"grading: submission {submission_id}"
    assert "planted bug in the engine" in kept.traceback


def test_a_forced_exception_is_answered_stored_and_listed_for_admins_only(
    database_url: str, reachable_dir: Path
):
    with running_service(database_url, reachable_dir) as service:
        _add_test_routes(service)
        failed = service.client.get("/test/boom", headers={"X-Request-ID": "boom-1"})
        listed = service.get(ERRORS, "admin")
        refused = {who: service.get(ERRORS, who).status_code for who in ("teacher", "student")}
        anonymous = service.get(ERRORS).status_code
        metrics = service.get("/metrics").text
    assert failed.status_code == 500
    assert failed.json() == INTERNAL
    assert "Traceback" not in failed.text
    assert failed.headers["x-request-id"] == "boom-1"
    assert listed.status_code == 200
    (error,) = listed.json()
    assert error["kind"] == "RuntimeError"
    assert error["message"] == "planted failure 0"
    assert error["request_id"] == "boom-1"
    assert error["context"] == "api: GET /test/boom"
    assert "Traceback (most recent call last)" in error["traceback"]
    assert "planted failure 0" in error["traceback"]
    assert refused == {"teacher": 403, "student": 403}
    assert anonymous == 401
    assert 'batchjudge_unexpected_errors_total{where="api"} 1.0' in metrics


def test_only_the_latest_100_errors_are_kept(database_url: str, reachable_dir: Path):
    with running_service(database_url, reachable_dir) as service:
        _add_test_routes(service)
        for n in range(105):
            assert service.client.get("/test/boom", params={"n": n}).status_code == 500
        listed = service.get(ERRORS, "admin").json()
        newest = service.get(ERRORS, "admin", params={"limit": 3}).json()
        bad = [service.get(ERRORS, "admin", params={"limit": v}).status_code for v in (0, 101)]
        with make_session_factory(service.engine)() as session:
            stored = session.scalar(select(func.count()).select_from(ErrorEvent))
    assert [error["message"] for error in listed] == [
        f"planted failure {n}" for n in range(104, 4, -1)
    ]
    assert [error["message"] for error in newest] == [
        f"planted failure {n}" for n in (104, 103, 102)
    ]
    assert stored == 100
    assert bad == [422, 422]


RAPIDAPI_KEY = "0123456789mshABCDEF0123456789p1a2b3cjsn0a1b2c3d4e5f"
AUTH_TOKEN = "planted-x-auth-token-5b1d0c"
SOURCE_MARKER = "PLANTED_SOURCE_MARKER_7f3a"


@pytest.mark.sandbox
def test_tokens_keys_and_sources_never_reach_a_log_line(
    database_url: str, reachable_dir: Path, capsys: pytest.CaptureFixture[str]
):
    with running_service(database_url, reachable_dir, log_format="json") as service:
        logging.getLogger().setLevel(logging.DEBUG)  # the most the service could say
        _add_test_routes(service)
        admin_token = service.tokens["admin"]
        forged = "bj_" + "Planted0Forged0Token0Value0123456789abcdef"
        answers = [
            service.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}),
            service.client.get("/judge0/about", headers={"X-Auth-Token": AUTH_TOKEN}),
            service.post(
                "/api/v1/admin/judge0-keys", "admin", json={"label": "rapid", "key": RAPIDAPI_KEY}
            ),
            service.client.get(
                "/test/boom", params={"say": f"Authorization: Bearer {admin_token}"}
            ),
        ]
        files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
        problem = service.post("/api/v1/problems", "teacher", files=files).json()
        source = f"# {SOURCE_MARKER}\n" + (EXAMPLE / "submissions" / "main.py").read_text()
        submitted = service.post(
            "/api/v1/submissions",
            "admin",
            json={"problem_id": problem["id"], "language": "python3", "source": source},
        ).json()
        graded = _wait_done(service, submitted["id"])
        stored = service.get(ERRORS, "admin").text
    assert [answer.status_code for answer in answers] == [401, 401, 201, 500]
    assert graded["verdict"] == "AC"
    logs = capsys.readouterr().err
    assert "unexpected error in GET /test/boom" in logs  # the lines were captured
    assert "added Judge0 key" in logs
    for secret in (admin_token, forged, AUTH_TOKEN, RAPIDAPI_KEY, SOURCE_MARKER):
        assert secret not in logs
        assert secret not in stored
    assert "Authorization: [redacted]" in stored


def _wait_done(service: Service, submission_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, object] = service.get(
            f"/api/v1/submissions/{submission_id}", "admin"
        ).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"submission {submission_id} did not finish")


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Authorization: Bearer bj_abcdefghijklmnop0123", "Authorization: [redacted]"),
        ("'authorization': 'Basic dXNlcjpwYXNz'", "'authorization': '[redacted]'"),
        ("sent Bearer abc.def.ghi to it", "sent Bearer [redacted] to it"),
        ("token bj_Q2xhc3NpZmllZDAxMjM0NTY3ODk was used", "token bj_[redacted] was used"),
        ('{"X-Auth-Token": "s3cr3t-value"}', '{"X-Auth-Token": "[redacted]"}'),
        ("x-rapidapi-key=abcdef123456&x=1", "x-rapidapi-key=[redacted]&x=1"),
        (f"key {RAPIDAPI_KEY} failed", "key [redacted] failed"),
        ("master " + "A" * 43 + "= loaded", "master [redacted] loaded"),
        ("nothing secret in submission 12", "nothing secret in submission 12"),
    ],
)
def test_redaction_hides_credentials_and_keeps_the_rest(line: str, kept: str):
    assert redact(line) == kept


def test_the_text_format_names_ids_and_redacts_tracebacks():
    buffer = io.StringIO()
    handler = configure_logging(LogFormat.TEXT, stream=buffer)
    try:
        try:
            raise ValueError("X-Auth-Token: hunter2-planted")
        except ValueError:
            logging.getLogger("batchjudge.tests").exception("with %s", "bj_abcdefghijklmnopqrst")
    finally:
        unconfigure_logging(handler)
    text = buffer.getvalue()
    assert "ERROR batchjudge.tests with bj_[redacted]" in text
    assert "X-Auth-Token: [redacted]" in text
    assert "hunter2-planted" not in text
    assert "bj_abcdefghijklmnopqrst" not in text


@pytest.mark.parametrize(
    ("level", "kept"),
    [
        (logging.INFO, ["huey.consumer failed", "batchjudge.tests graded"]),
        (logging.DEBUG, ["huey Executing", "huey.consumer failed", "batchjudge.tests graded"]),
    ],
)
def test_hueys_per_task_lines_are_kept_only_at_debug(level: int, kept: list[str]):
    buffer = io.StringIO()
    handler = configure_logging(LogFormat.TEXT, level, stream=buffer)
    try:
        logging.getLogger("huey").info("Executing %s", "alerts.evaluate")
        logging.getLogger("huey.consumer").warning("failed")
        logging.getLogger("batchjudge.tests").info("graded")
    finally:
        unconfigure_logging(handler)
    found = [" ".join(line.split()[2:4]) for line in buffer.getvalue().splitlines()]
    assert found == kept

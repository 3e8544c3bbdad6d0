"""Health checks: the endpoint's statuses per failing check, the liveness probe that
never touches the database, and the checker's thresholds, on both databases."""

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, event

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_session_factory
from batchjudge.db.judge0 import Judge0ApiKey, Judge0Submission
from batchjudge.db.migrate import alembic_config
from batchjudge.db.submissions import SubmissionStatus
from batchjudge.execution.local.strength import SandboxStrength
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.monitoring.health import HealthChecker
from batchjudge.monitoring.health_report import HealthStatus
from batchjudge.monitoring.log_context import REQUEST_ID
from batchjudge.monitoring.remote_probe import RemoteProbe
from batchjudge.services.accounts import create_user
from batchjudge.services.judge0_keys import utc_day
from batchjudge.settings import Settings
from support.http_stub import StatusServer, closed_port_url, silent_server
from support.monitoring_service import running_service, seed_submission, seed_version

HEALTH = "/api/v1/monitoring/health"
LIVE = "/api/v1/monitoring/health/live"

FULL = SandboxStrength(Path("/usr/bin/bwrap"), True, None, "cgroup v2", True, [])
REDUCED = SandboxStrength(None, False, None, "none", True, ["bubblewrap is not installed"])


def _checker(engine: Engine, data_dir: Path, **settings: object) -> HealthChecker:
    chosen = Settings(data_dir=data_dir, **settings)  # type: ignore[arg-type]
    return HealthChecker(chosen, data_dir, engine, strength=lambda: FULL, max_age_s=0)


def test_health_is_ok_and_names_every_check(database_url: str, reachable_dir: Path):
    with running_service(database_url, reachable_dir) as service:
        answer = service.get(HEALTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {
        "database",
        "migrations",
        "queue",
        "queue_oldest",
        "sandbox",
        "backend_local",
        "disk",
        "workers",
    }
    for check in body["checks"].values():
        assert set(check) == {"status", "detail", "value"}
        assert check["status"] == "ok"
    assert body["checks"]["queue"]["value"] == 0
    # The server grades too, so it is the one live grading process.
    assert body["checks"]["workers"]["value"] == 1
    assert (
        "(serve; 0/2 slots busy; c, cpp17, java, javascript" in body["checks"]["workers"]["detail"]
    )
    assert answer.headers["cache-control"] == "no-store"


def test_a_database_behind_on_migrations_is_down(database_url: str, reachable_dir: Path):
    with running_service(database_url, reachable_dir) as service:
        command.downgrade(alembic_config(database_url), "-1")
        answer = service.get(HEALTH)
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "down"
    assert body["checks"]["migrations"]["status"] == "down"
    assert "batchjudge db upgrade" in body["checks"]["migrations"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


def test_live_never_touches_the_database_and_health_is_cached(
    database_url: str, reachable_dir: Path
):
    with running_service(database_url, reachable_dir) as service:
        # Background jobs share the engine; only statements made for a request count.
        requests_with_sql: list[str] = []

        def note(*_args: object) -> None:
            request_id = REQUEST_ID.get()
            if request_id is not None:
                requests_with_sql.append(request_id)

        event.listen(service.state.engine, "before_cursor_execute", note)
        for _ in range(5):
            live = service.get(LIVE)
            assert (live.status_code, live.json()) == (200, {"status": "ok"})
        assert requests_with_sql == []
        health_ids = [service.get(HEALTH).headers["x-request-id"] for _ in range(5)]
    # One round of checks served all five (the report is kept for a second).
    assert set(requests_with_sql) == {health_ids[0]}


def test_an_unreachable_judge0_url_takes_the_backend_down(database_url: str, reachable_dir: Path):
    with running_service(
        database_url, reachable_dir, backend="judge0", judge0_url=closed_port_url()
    ) as service:
        answer = service.get(HEALTH)
    assert answer.status_code == 503
    judge0 = answer.json()["checks"]["backend_judge0"]
    assert judge0["status"] == "down"
    assert "unreachable" in judge0["detail"]
    assert answer.json()["checks"]["database"]["status"] == "ok"


def test_a_reachable_judge0_server_is_probed_once_for_many_checks(
    database_url: str, reachable_dir: Path
):
    with (
        StatusServer() as judge0,
        running_service(
            database_url, reachable_dir, backend="judge0", judge0_url=judge0.url
        ) as service,
    ):
        first = service.get(HEALTH)
        time.sleep(1.1)  # past the report's cache, within the probe's
        second = service.get(HEALTH)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["checks"]["backend_judge0"]["status"] == "ok"
    assert "HTTP 200" in first.json()["checks"]["backend_judge0"]["detail"]
    assert judge0.requests == ["/about"]


def test_the_probe_tells_answers_from_failures():
    with StatusServer() as server:
        probe = RemoteProbe(server.url + "/about", fresh_s=0)
        try:
            assert probe.result().status is HealthStatus.OK
            server.status = 401  # up, but wants a key: reachable
            _wait_for(probe, "HTTP 401")
            assert probe.result().status is HealthStatus.OK
            server.status = 502
            _wait_for(probe, "HTTP 502")
            assert probe.result().status is HealthStatus.DOWN
        finally:
            probe.close()


def _wait_for(probe: RemoteProbe, text: str) -> None:
    deadline = time.monotonic() + 5
    while text not in probe.result().detail:
        assert time.monotonic() < deadline, probe.result()
        time.sleep(0.02)


def test_a_silent_judge0_server_never_keeps_health_waiting():
    with silent_server() as url:
        probe = RemoteProbe(url, timeout_s=0.3, fresh_s=0)
        try:
            started = time.monotonic()
            first = probe.result()
            waited = time.monotonic() - started
            started = time.monotonic()
            again = probe.result()  # a new probe starts, in the background
            answered = time.monotonic() - started
        finally:
            probe.close()
    assert first.status is HealthStatus.DOWN
    assert "ReadTimeout" in first.detail
    assert waited < 1.5
    assert again.status is HealthStatus.DOWN
    assert answered < 0.1


def test_an_unreachable_database_is_down(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    report = _checker(engine, tmp_path).check()
    assert report.status is HealthStatus.DOWN
    assert report.checks["database"].status is HealthStatus.DOWN
    assert report.checks["migrations"].status is HealthStatus.DOWN
    assert report.checks["disk"].status is HealthStatus.OK


@pytest.mark.parametrize(
    ("environment", "allow", "sandbox", "local", "overall"),
    [
        ("development", None, "ok", "ok", "ok"),
        ("production", True, "degraded", "ok", "degraded"),
        ("production", False, "degraded", "down", "down"),
    ],
)
def test_a_reduced_sandbox_is_degraded_in_production(
    engine: Engine, tmp_path: Path, environment, allow, sandbox, local, overall
):
    settings = Settings(data_dir=tmp_path, environment=environment, allow_reduced_sandbox=allow)
    checker = HealthChecker(settings, tmp_path, engine, strength=lambda: REDUCED)
    report = checker.check()
    assert report.checks["sandbox"].status == sandbox
    assert "bubblewrap is not installed" in report.checks["sandbox"].detail
    assert report.checks["backend_local"].status == local
    assert report.status == overall


def _add_key(engine: Engine, label: str, quota: int, used: int, retired: bool = False) -> None:
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        session.add(
            Judge0ApiKey(
                label=label,
                ciphertext=b"not needed to count",
                last4="abcd",
                daily_quota=quota,
                used_today=used,
                usage_day=utc_day(now),
                retired_at=now if retired else None,
            )
        )


@pytest.mark.parametrize(
    ("used", "status"), [(0, "ok"), (89, "ok"), (95, "degraded"), (100, "down")]
)
def test_the_quota_left_in_the_key_pool_sets_its_status(
    engine: Engine, tmp_path: Path, used: int, status: str
):
    _add_key(engine, "first", quota=50, used=min(used, 50))
    _add_key(engine, "second", quota=50, used=max(used - 50, 0))
    _add_key(engine, "retired", quota=1000, used=0, retired=True)
    checker = _checker(
        engine, tmp_path, backend="judge0", judge0_url="http://j0.test", judge0_auth="rapidapi"
    )
    quota = checker.check().checks["judge0_quota"]
    assert quota.status == status
    assert quota.value == pytest.approx((100 - used) / 100)
    assert f"{100 - used} of 100 calls left" in quota.detail


def test_an_empty_key_pool_is_down(engine: Engine, tmp_path: Path):
    checker = _checker(
        engine, tmp_path, backend="judge0", judge0_url="http://j0.test", judge0_auth="token"
    )
    assert checker.check().checks["judge0_quota"].status is HealthStatus.DOWN
    assert "judge0_quota" not in _checker(engine, tmp_path).check().checks


def test_queue_depth_and_oldest_job(engine: Engine, tmp_path: Path):
    with make_session_factory(engine).begin() as session:
        user, _ = create_user(session, "student", Role.STUDENT)
        session.flush()
        user_id = user.id
    version = seed_version(engine, user_id)
    seed_submission(engine, user_id, version, SubmissionStatus.QUEUED, age=timedelta(minutes=20))
    seed_submission(engine, user_id, version, SubmissionStatus.QUEUED)
    seed_submission(engine, user_id, version, SubmissionStatus.DONE, age=timedelta(days=3))
    with make_session_factory(engine).begin() as session:
        session.add(
            Judge0Submission(
                token="00000000-0000-4000-8000-000000000001",
                language_id=71,
                status_id=Judge0Status.IN_QUEUE,
                request="{}",
            )
        )

    class Jobs:
        def pending(self) -> int:
            return 7

    settings = Settings(data_dir=tmp_path, max_queue_length=3)
    checker = HealthChecker(settings, tmp_path, engine, Jobs(), strength=lambda: FULL)
    checks = checker.check().checks
    assert checks["queue"].status is HealthStatus.DEGRADED
    assert checks["queue"].value == 3
    assert "2 submissions, 1 Judge0" in checks["queue"].detail
    assert "7 jobs pending" in checks["queue"].detail
    assert checks["queue_oldest"].status is HealthStatus.DEGRADED
    assert checks["queue_oldest"].value == pytest.approx(1200, abs=60)

    roomy = HealthChecker(settings.model_copy(update={"max_queue_length": 4}), tmp_path, engine)
    assert roomy.check().checks["queue"].status is HealthStatus.OK


def test_the_report_is_reused_for_its_age_then_refreshed(engine: Engine, tmp_path: Path):
    now = [0.0]
    settings = Settings(data_dir=tmp_path, max_queue_length=1)
    checker = HealthChecker(
        settings, tmp_path, engine, strength=lambda: FULL, max_age_s=1.0, clock=lambda: now[0]
    )
    first = checker.latest()
    assert first.checks["queue"].status is HealthStatus.OK
    with make_session_factory(engine).begin() as session:
        session.add(
            Judge0Submission(
                token="00000000-0000-4000-8000-000000000002",
                language_id=71,
                status_id=Judge0Status.IN_QUEUE,
                request="{}",
            )
        )
    now[0] = 0.5
    assert checker.latest() is first
    assert checker.cached() is first
    now[0] = 1.0
    # Stale: answered at once, and refreshed by a thread behind the answer.
    assert checker.cached() is first
    deadline = time.monotonic() + 5
    while checker.cached() is first:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    refreshed = checker.cached()
    assert refreshed is not None
    assert refreshed.checks["queue"].status is HealthStatus.DEGRADED
    now[0] = 1.0 + 1.0 + 2.0  # past the report's age and the stall allowance
    assert checker.cached() is None
    assert checker.latest().checks["queue"].status is HealthStatus.DEGRADED


def test_checks_that_hang_answer_down_instead_of_waiting(engine: Engine, tmp_path: Path):
    release = threading.Event()

    def stuck() -> SandboxStrength:
        release.wait(10)
        return FULL

    checker = HealthChecker(
        Settings(data_dir=tmp_path), tmp_path, engine, strength=stuck, stall_s=0.2
    )
    first = threading.Thread(target=checker.latest)
    first.start()
    time.sleep(0.1)
    started = time.monotonic()
    report = checker.latest()
    release.set()
    first.join()
    assert time.monotonic() - started < 1
    assert report.status is HealthStatus.DOWN
    assert "did not finish" in report.checks["health"].detail

"""Alert evaluation on both databases, migrated by Alembic: evaluations of several
processes at once (one engine each) open one alert per fingerprint and fire it once,
thanks to PostgreSQL's advisory lock and SQLite's write lock."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.monitoring import Alert
from batchjudge.monitoring.alerting import build_alert_monitor
from batchjudge.monitoring.health_report import CheckResult, HealthReport, HealthStatus
from batchjudge.settings import Settings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Judge0Down:
    def check(self) -> HealthReport:
        down = CheckResult(HealthStatus.DOWN, "judge0.test unreachable: ConnectError")
        return HealthReport(HealthStatus.DOWN, {"backend_judge0": down})


def test_concurrent_evaluations_open_one_alert_and_fire_it_once(engine: Engine, database_url: str):
    settings = Settings(
        alert_rules={"backend_unreachable": {"for_s": 60}, "health_down": {"enabled": False}}
    )
    clock = {"now": T0}
    engines = [make_engine(database_url) for _ in range(4)]
    monitors = [
        build_alert_monitor(
            settings, make_session_factory(e), health=Judge0Down(), clock=lambda: clock["now"]
        )
        for e in engines
    ]
    changes: list[str] = []
    barrier = threading.Barrier(len(monitors))

    def run(index: int) -> None:
        barrier.wait()
        for _ in range(3):
            changes.extend(c.status.value for c in monitors[index].check_rules())

    def all_at_once() -> None:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(monitors))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    all_at_once()
    sessions = make_session_factory(engine)
    with sessions() as session:
        rows = session.scalars(select(Alert)).all()
        assert [(r.fingerprint, r.status) for r in rows] == [
            ("backend_unreachable:judge0", "pending")
        ]
    assert changes == []

    clock["now"] = T0 + timedelta(seconds=60)
    all_at_once()
    assert changes == ["firing"]
    with sessions() as session:
        (row,) = session.scalars(select(Alert)).all()
        assert (row.status, row.fired_at) == ("firing", T0 + timedelta(seconds=60))
    for other in engines:
        other.dispose()

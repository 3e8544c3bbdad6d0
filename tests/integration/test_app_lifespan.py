"""The app's lifespan: a part that fails to start still has the parts started before it
stopped, so no grading thread outlives the app (and polls a data dir that is gone), and
a stopped app keeps no file of its data dir open."""

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from batchjudge.db.migrate import upgrade
from batchjudge.service.alert_queue import AlertQueue
from batchjudge.service.app import create_app
from batchjudge.settings import Settings


def _grading_threads() -> list[str]:
    names = ("slot-", "heartbeat")
    return [t.name for t in threading.enumerate() if t.name.startswith(names) and t.is_alive()]


def test_a_failed_start_stops_what_had_started(
    reachable_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    database = f"sqlite:///{reachable_dir / 'batchjudge.sqlite3'}"
    upgrade(database)
    before = _grading_threads()

    def refuse(_queue: AlertQueue) -> None:
        raise RuntimeError("the alert queue cannot start")

    monkeypatch.setattr(AlertQueue, "start", refuse)  # alerts start after grading
    app = create_app(Settings(data_dir=reachable_dir, database_url=database))
    with pytest.raises(RuntimeError, match="the alert queue cannot start"), TestClient(app):
        pass
    assert _grading_threads() == before


def _descriptors_under(folder: Path) -> list[str]:
    opened = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = fd.readlink()
        except OSError:
            continue
        if target.is_relative_to(folder):
            opened.append(target.name)
    return opened


def test_a_stopped_app_leaves_no_file_open_in_its_data_dir(reachable_dir: Path):
    # Huey's SQLite queues kept a connection for each thread that had touched them,
    # about 50 descriptors per app, until a long test run hit the descriptor limit.
    database = f"sqlite:///{reachable_dir / 'batchjudge.sqlite3'}"
    upgrade(database)
    app = create_app(Settings(data_dir=reachable_dir, database_url=database))
    with TestClient(app) as client:
        for _ in range(5):  # request threads read the job queues too
            assert client.get("/api/v1/monitoring/health").status_code in (200, 503)
        assert _descriptors_under(reachable_dir)
    assert _descriptors_under(reachable_dir) == []

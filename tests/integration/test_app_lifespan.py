"""The app's lifespan: a part that fails to start still has the parts started before it
stopped, so no grading thread outlives the app (and polls a data dir that is gone)."""

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

"""No Judge0 key, in plain text or encrypted, reaches a log line, CLI output or HTTP answer.

Planted keys go through every path (CLI and API add, list, retire, rotate-master and their
errors; the pool's lease, use and rest) while every logger records at DEBUG. The one
exception is SQLAlchemy's own statement echo: turned on, it prints stored values (so
ciphertext) by design; the plain keys must not appear even there.
"""

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from batchjudge.cli.app import main
from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.judge0 import Judge0ApiKey
from batchjudge.db.migrate import upgrade
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.services.judge0_keys import DatabaseKeyPool
from batchjudge.settings import Settings

PLANTED_CLI = "PLANTED-cli-3f9c2a7e5b1d4c8a96e0-LEAK"
PLANTED_API = "PLANTED-api-7b2e9d4f1a6c3e8b05d7-SEEN"
PLANTED = (PLANTED_CLI, PLANTED_API)


class Capture:
    """Everything the code under test said."""

    def __init__(self, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]):
        self.caplog = caplog
        self.capsys = capsys
        self.outputs: list[str] = []
        self.ciphertexts: set[str] = set()
        self.master_keys: set[str] = set()

    def cli(self, *args: str, stdin: str = "") -> int:
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            main(list(args))
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdin = saved
        out, err = self.capsys.readouterr()
        self.outputs += [out, err]
        return status

    def http(self, response: Any) -> Any:
        self.outputs += [response.text, repr(dict(response.headers))]
        return response

    def note_secrets(self, sessions: Any, data_dir: Path) -> None:
        with sessions() as session:
            for stored in session.scalars(select(Judge0ApiKey.ciphertext)):
                if stored:
                    self.ciphertexts.add(stored.decode())
        self.master_keys.add((data_dir / "master.key").read_text().strip())

    def logs(self, *, sqlalchemy: bool) -> list[str]:
        texts = []
        for record in self.caplog.records:
            if record.name.startswith("sqlalchemy") and not sqlalchemy:
                continue
            texts.append(record.getMessage())
            if record.exc_info:
                texts.append(logging.Formatter().formatException(record.exc_info))
        return texts


@contextmanager
def _every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    quiet = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in quiet:  # loggers that do not propagate would escape caplog
        logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        for logger in quiet:
            logger.removeHandler(caplog.handler)


def test_no_key_or_ciphertext_leaks_anywhere(
    database_url: str,
    reachable_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
):
    for name in ("MASTER_KEY", "MASTER_KEY_FILE", "MASTER_KEY_PREVIOUS", "CONFIG"):
        monkeypatch.delenv(f"BATCHJUDGE_{name}", raising=False)
    monkeypatch.setenv("BATCHJUDGE_DATA_DIR", str(reachable_dir))
    monkeypatch.setenv("BATCHJUDGE_DATABASE_URL", database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        _, token = create_user(session, "root", Role.ADMIN)
    settings = Settings(data_dir=reachable_dir, database_url=database_url)
    seen = Capture(caplog, capsys)

    with _every_logger_at_debug(caplog):
        # The CLI: add (and fail to add the same key twice), list, rotate.
        assert seen.cli("keys", "add", "cli-key", "--daily-quota", "5", stdin=PLANTED_CLI) == 0
        seen.note_secrets(sessions, reachable_dir)
        assert seen.cli("keys", "add", "cli-twin", stdin=PLANTED_CLI + "\n") == 2
        assert seen.cli("keys", "add", "bad label!", stdin=PLANTED_CLI) == 2
        assert seen.cli("keys", "list") == 0
        assert seen.cli("keys", "list", "--json") == 0
        assert seen.cli("keys", "rotate-master") == 0
        seen.note_secrets(sessions, reachable_dir)

        # The API: add, its refusals, list, rotate.
        with TestClient(create_app(settings)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            url = "/api/v1/admin/judge0-keys"

            def post(path: str, **kwargs: Any) -> Any:
                return seen.http(client.post(url + path, headers=headers, **kwargs))

            assert post("", json={"label": "api-key", "key": PLANTED_API}).status_code == 201
            seen.note_secrets(sessions, reachable_dir)
            assert post("", json={"label": "api-twin", "key": PLANTED_CLI}).status_code == 409
            assert post("", json={"label": "bad label", "key": PLANTED_API}).status_code == 422
            assert post("", json={"label": "x", "key": PLANTED_API + " x"}).status_code == 400
            assert post("", json={"key": PLANTED_API, "daily_quota": -1}).status_code == 422
            assert seen.http(client.get(url, headers=headers)).status_code == 200
            assert post("/rotate-master").status_code == 200
            seen.note_secrets(sessions, reachable_dir)

            # The pool, as the Judge0 backend drives it; its master key is from before the
            # rotation below, so it reloads.
            pool = DatabaseKeyPool.from_settings(sessions, settings, reachable_dir)
            assert post("/rotate-master").status_code == 200
            seen.note_secrets(sessions, reachable_dir)
            now = datetime.now(UTC)
            leased = set()
            for _ in range(6):
                lease = pool.acquire(now)
                assert lease is not None
                leased.add(lease.secret)
                pool.record_use(lease, 3, now)
            pool.mark_exhausted(lease, now + timedelta(minutes=5))
            pool.next_available(now)
            assert leased == set(PLANTED)

            assert post("/api-key/retire").status_code == 200
        assert seen.cli("keys", "retire", "cli-key") == 0
        assert seen.cli("keys", "retire", "cli-key") == 0
        assert seen.cli("keys", "list") == 0
    engine.dispose()

    everything = seen.outputs + seen.logs(sqlalchemy=True)
    ours = seen.outputs + seen.logs(sqlalchemy=False)
    # Not vacuous: the keys were stored, rotated three times, logged about and echoed.
    assert len(seen.ciphertexts) >= 6
    assert len(seen.master_keys) == 4
    assert any("added Judge0 key 'api-key' (…SEEN)" in line for line in ours)
    assert any(record.name.startswith("sqlalchemy") for record in caplog.records)
    for text in everything:
        for key in PLANTED:
            assert key[:-4] not in text
            assert key[8:-8] not in text
    for text in ours:
        for secret in seen.ciphertexts | seen.master_keys:
            assert secret not in text
            assert secret[20:60] not in text

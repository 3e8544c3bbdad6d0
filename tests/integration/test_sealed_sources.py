"""Encryption at rest: sources are sealed under a key derived from the master key, and
`keys rotate-master` reseals every one of them, resumably."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.support.sealing import add_submissions
from tests.support.teaching import AVERAGE, teaching

from batchjudge.crypto.derived_keys import KeyPurpose
from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.crypto.sealer import Sealer
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.submissions import Submission
from batchjudge.domain.errors import ConfigError
from batchjudge.judge0.master_key import load_master_keys, previous_keys_path
from batchjudge.service.preflight import startup_problems
from batchjudge.services import source_rotation
from batchjudge.services.judge0_keys import rotate_master_key
from batchjudge.services.submissions import submission_source
from batchjudge.settings import Environment, Settings

SOURCE = (AVERAGE / "submissions" / "average.py").read_text()
BATCHJUDGE = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "batchjudge"


def _rows(sessions: sessionmaker[Session]) -> list[Submission]:
    with sessions() as session:
        return list(session.scalars(select(Submission).order_by(Submission.id)))


def test_a_submitted_source_is_sealed_at_rest_and_graded(database_url: str, reachable_dir: Path):
    with teaching(database_url, reachable_dir) as running:
        problem = running.upload()
        answer = running.api(
            "POST",
            "/api/v1/submissions",
            "sam",
            json={"problem_id": problem["id"], "language": "python3", "source": SOURCE},
        )
        assert answer.status_code == 202, answer.text
        submission_id = answer.json()["id"]
        deadline = time.monotonic() + 120
        while (shown := running.api("GET", f"/api/v1/submissions/{submission_id}", "sam").json())[
            "status"
        ] not in ("done", "failed"):
            assert time.monotonic() < deadline, shown
            time.sleep(0.2)
        assert shown["verdict"] == "AC", shown
        (row,) = _rows(running.sessions)
    assert row.source_sealed
    assert "sys.stdin" not in row.source
    assert "input" not in row.source
    keyring = MasterKeyring(Settings(data_dir=reachable_dir), reachable_dir)
    engine = make_engine(database_url)
    with make_session_factory(engine, keyring)() as session:
        assert submission_source(session, session.get_one(Submission, row.id)) == SOURCE
    engine.dispose()
    # The Judge0 keys' derived key cannot open it: one key per purpose.
    master = load_master_keys(Settings(data_dir=reachable_dir), reachable_dir).current
    with pytest.raises(ConfigError):
        Sealer(KeyPurpose.JUDGE0_KEYS, master).open(row.source.encode())


def _seed(engine: Engine, data_dir: Path, sealed: int, plain: int) -> sessionmaker[Session]:
    """A user, a problem version and submissions: `sealed` under the current master key and
    `plain` ones stored before sealing existed."""
    keyring = MasterKeyring(Settings(data_dir=data_dir), data_dir)
    with_keys = make_session_factory(engine, keyring)
    without_keys = make_session_factory(engine)
    add_submissions(with_keys, count=sealed)
    add_submissions(without_keys, count=plain)
    return with_keys


def _opens_under_current_key_only(data_dir: Path, rows: list[Submission]) -> None:
    keys = load_master_keys(Settings(data_dir=data_dir), data_dir)
    assert keys.previous == ()
    alone = Sealer(KeyPurpose.SUBMISSION_SOURCE, keys.current)
    for row in rows:
        assert row.source_sealed
        assert alone.open(row.source.encode()).decode().startswith("print(")


def test_rotate_master_reseals_sealed_and_plain_sources(
    database_url: str, engine: Engine, reachable_dir: Path
):
    tmp_path = reachable_dir
    sessions = _seed(engine, tmp_path, sealed=3, plain=2)
    old = load_master_keys(Settings(data_dir=tmp_path), tmp_path).current
    env = {
        **os.environ,
        "BATCHJUDGE_DATA_DIR": str(tmp_path),
        "BATCHJUDGE_DATABASE_URL": database_url,
    }
    done = subprocess.run(
        [str(BATCHJUDGE), "keys", "rotate-master"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "and 5 sources sealed" in done.stdout
    rows = _rows(sessions)
    _opens_under_current_key_only(tmp_path, rows)
    with pytest.raises(ConfigError):
        Sealer(KeyPurpose.SUBMISSION_SOURCE, old).open(rows[0].source.encode())


def test_an_interrupted_rotation_loses_nothing_and_a_rerun_finishes_it(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sessions = _seed(engine, tmp_path, sealed=5, plain=2)
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    monkeypatch.setattr(source_rotation, "BATCH_ROWS", 2)
    real_batch = source_rotation._reseal_batch
    calls = 0

    def crash_on_third_batch(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # as if the operator pressed ^C or the process died
        return real_batch(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(source_rotation, "_reseal_batch", crash_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        rotate_master_key(sessions, settings, tmp_path)
    # Half done: the new key is in force, the old one kept beside it, every row opens.
    path = tmp_path / "master.key"
    assert previous_keys_path(path).exists()
    keyring = MasterKeyring(settings, tmp_path)
    resumed = make_session_factory(engine, keyring)
    with resumed() as session:
        for row in session.scalars(select(Submission)):
            assert submission_source(session, row).startswith("print(")
    monkeypatch.setattr(source_rotation, "_reseal_batch", real_batch)
    rotate_master_key(sessions, settings, tmp_path)
    assert not previous_keys_path(path).exists()
    _opens_under_current_key_only(tmp_path, _rows(sessions))


def test_production_refuses_to_start_without_a_master_key(reachable_dir: Path):
    data_dir = reachable_dir
    production = Settings(
        data_dir=data_dir,
        environment=Environment.PRODUCTION,
        secret_key="a-long-random-secret-for-this-test",  # type: ignore[arg-type]
        allow_reduced_sandbox=True,
    )
    problems = startup_problems(production)
    assert any("production needs a master key" in problem for problem in problems), problems
    assert not (data_dir / "master.key").exists()
    env = {
        **os.environ,
        "BATCHJUDGE_DATA_DIR": str(data_dir),
        "BATCHJUDGE_ENVIRONMENT": "production",
    }
    made = subprocess.run(
        [str(BATCHJUDGE), "keys", "init-master"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert (data_dir / "master.key").stat().st_mode & 0o777 == 0o600
    assert not any("master key" in problem for problem in startup_problems(production))
    again = subprocess.run(
        [str(BATCHJUDGE), "keys", "init-master"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 2
    assert again.stderr.strip().endswith("exists already")

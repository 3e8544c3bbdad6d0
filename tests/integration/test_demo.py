"""`batchjudge seed-demo`: demo users and problems once, the same tokens every run."""

import json
import stat
import subprocess
import sys
from pathlib import Path

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.services.accounts import authenticate

REPO = Path(__file__).resolve().parents[2]


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchjudge", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data)},
        cwd=REPO,
        check=False,
    )


def test_seed_demo_is_idempotent_and_its_tokens_work(tmp_path: Path):
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    problems = ["examples/sum-pairs", "examples/average"]
    first = _cli(tmp_path, "seed-demo", *problems)
    assert first.returncode == 0, first.stderr
    second = _cli(tmp_path, "seed-demo", *problems)
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout
    token_file = tmp_path / "demo-tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = json.loads(token_file.read_text())
    assert set(tokens) == {"admin", "teacher", "student"}
    assert tokens["student"] in first.stdout
    assert "curl" in first.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'batchjudge.sqlite3'}")
    try:
        with make_session_factory(engine).begin() as session:
            for role, token in tokens.items():
                user = authenticate(session, token)
                assert user is not None
                assert (user.name, user.role) == (f"demo-{role}", role)
    finally:
        engine.dispose()


def test_seed_demo_without_its_token_file_says_what_to_do(tmp_path: Path):
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    assert _cli(tmp_path, "seed-demo", "examples/average").returncode == 0
    (tmp_path / "demo-tokens.json").unlink()
    again = _cli(tmp_path, "seed-demo", "examples/average")
    assert again.returncode == 2
    assert "batchjudge users create" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

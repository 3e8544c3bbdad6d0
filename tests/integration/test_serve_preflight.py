"""`batchjudge serve` refuses unsafe or unusable settings, one line per problem."""

import subprocess
import sys
from pathlib import Path


def _serve(data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchjudge", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data), **env},
        timeout=120,
        check=False,
    )


def test_production_with_the_default_secret_no_master_key_and_a_database_behind(
    reachable_dir: Path,
):
    result = _serve(reachable_dir, BATCHJUDGE_ENVIRONMENT="production")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith("error: BATCHJUDGE_SECRET_KEY is the default")
    assert lines[1].startswith("error: production needs a master key")
    assert "batchjudge keys init-master" in lines[1]
    assert lines[2].startswith("error: the database")
    assert "batchjudge db upgrade" in lines[2]


def test_an_unreachable_database(reachable_dir: Path):
    result = _serve(
        reachable_dir, BATCHJUDGE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot reach the database")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_judge0_backend_without_an_address_is_refused(reachable_dir: Path):
    result = _serve(reachable_dir, BATCHJUDGE_BACKEND="judge0", BATCHJUDGE_JUDGE0_AUTH="token")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: BATCHJUDGE_JUDGE0_URL must be"), result.stderr
    assert "Traceback" not in result.stderr

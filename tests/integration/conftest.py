"""Fixtures for tests that use the real sandbox: settings with a per-session data dir."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from batchjudge.db.engine import make_engine
from batchjudge.db.migrate import upgrade
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.settings import Settings
from support.scratch_postgres import scratch_database


@pytest.fixture(scope="session")
def sandbox_data_dir() -> Iterator[Path]:
    """A data dir for the session. Not under pytest's tmp dirs: those are private to root
    (mode 0700), and the sandbox's uids must traverse the path to the compiled programs."""
    data_dir = Path(tempfile.mkdtemp(prefix="bj-test-data-", dir="/var/tmp"))
    data_dir.chmod(0o755)
    yield data_dir
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox_settings(sandbox_data_dir: Path) -> Settings:
    """Settings whose caches (compiled programs, precompiled header) last the session."""
    return Settings(data_dir=sandbox_data_dir, sandbox_slots=2)


@pytest.fixture(scope="session")
def registry() -> LanguageRegistry:
    """The built-in languages."""
    return LanguageRegistry.load()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind; PostgreSQL gets a database of its own per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'batchjudge.sqlite3'}"
        return
    with scratch_database() as name:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the newest revision."""
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A fresh folder the sandbox uids can traverse (pytest's own tmp dirs are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="bj-test-", dir="/var/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)

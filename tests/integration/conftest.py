"""Fixtures for tests that use the real sandbox: settings with a per-session data dir."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchjudge.languages.registry import LanguageRegistry
from batchjudge.settings import Settings


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

"""Settings from the environment and a TOML file."""

from pathlib import Path

import pytest

from batchjudge.domain.errors import ConfigError
from batchjudge.settings import Environment, OptimizationMode, Settings, load_settings


def test_defaults_are_the_embedded_ones(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("BATCHJUDGE_CONFIG", raising=False)
    settings = load_settings()
    assert settings.data_dir == Path("var")
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.default_optimization_mode is OptimizationMode.AUTO
    assert settings.max_source_bytes == 64 << 10
    assert settings.reduced_sandbox_allowed is True


def test_a_toml_file_fills_what_the_environment_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    config = tmp_path / "batchjudge.toml"
    config.write_text('sandbox_slots = 3\nmax_source_bytes = 100\nenvironment = "production"\n')
    monkeypatch.setenv("BATCHJUDGE_CONFIG", str(config))
    monkeypatch.setenv("BATCHJUDGE_SANDBOX_SLOTS", "4")
    settings = load_settings()
    assert isinstance(settings, Settings)
    assert (settings.sandbox_slots, settings.max_source_bytes) == (4, 100)
    assert settings.environment is Environment.PRODUCTION
    assert settings.reduced_sandbox_allowed is False


def test_a_missing_or_invalid_file_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("BATCHJUDGE_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError, match=r"absent\.toml is not a file"):
        load_settings()
    bad = tmp_path / "bad.toml"
    bad.write_text("sandbox_slots = 0\n")
    monkeypatch.setenv("BATCHJUDGE_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="BATCHJUDGE_SANDBOX_SLOTS"):
        load_settings()

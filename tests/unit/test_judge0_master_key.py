"""The master key: environment or key file, created 0600, unsafe files refused, rotation
staging and its lock."""

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from batchjudge.domain.errors import ConfigError, ConflictError
from batchjudge.judge0.keys import KeyCipher
from batchjudge.judge0.master_key import (
    drop_previous_master_keys,
    load_master_keys,
    master_key_path,
    previous_keys_path,
    rotation_lock,
    stage_master_key,
    write_key_file,
)
from batchjudge.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("MASTER_KEY", "MASTER_KEY_FILE", "MASTER_KEY_PREVIOUS", "CONFIG"):
        monkeypatch.delenv(f"BATCHJUDGE_{name}", raising=False)
    return Settings(data_dir=tmp_path)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_file_is_created_0600_on_first_use_and_then_reused(
    settings: Settings, tmp_path: Path
):
    old_umask = os.umask(0)
    try:
        first = load_master_keys(settings, tmp_path)
    finally:
        os.umask(old_umask)
    path = tmp_path / "master.key"
    assert first.path == path
    assert not first.from_environment
    assert _mode(path) == 0o600
    assert path.read_bytes() == first.current + b"\n"
    assert load_master_keys(settings, tmp_path).current == first.current
    assert list(tmp_path.iterdir()) == [path]


def test_a_configured_key_file_is_used_and_empty_means_the_default(tmp_path: Path):
    configured = Settings(data_dir=tmp_path, master_key_file=tmp_path / "secrets" / "mk")
    assert master_key_path(configured, tmp_path) == tmp_path / "secrets" / "mk"
    load_master_keys(configured, tmp_path)
    assert _mode(tmp_path / "secrets" / "mk") == 0o600
    blank = Settings(data_dir=tmp_path, master_key_file="")
    assert master_key_path(blank, tmp_path) == tmp_path / "master.key"


def test_the_environment_key_wins_and_no_file_is_written(settings: Settings, tmp_path: Path):
    key = KeyCipher.new_master_key()
    from_env = settings.model_copy(update={"master_key": SecretStr(key.decode())})
    keys = load_master_keys(from_env, tmp_path)
    assert (keys.current, keys.previous, keys.from_environment) == (key, (), True)
    assert not (tmp_path / "master.key").exists()
    assert key.decode() not in repr(keys)


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o606, 0o666])
def test_a_key_file_other_users_may_access_is_refused(
    settings: Settings, tmp_path: Path, mode: int
):
    load_master_keys(settings, tmp_path)
    path = tmp_path / "master.key"
    path.chmod(mode)
    with pytest.raises(ConfigError, match=f"accessible to other users.*chmod 600 {path}"):
        load_master_keys(settings, tmp_path)


def test_a_group_readable_key_file_is_accepted(settings: Settings, tmp_path: Path):
    created = load_master_keys(settings, tmp_path)
    (tmp_path / "master.key").chmod(0o640)
    assert load_master_keys(settings, tmp_path).current == created.current


def test_malformed_keys_are_config_errors_that_never_quote_the_value(
    settings: Settings, tmp_path: Path
):
    almost = "nearly-a-fernet-key-but-31-bytes-long-0123="
    with pytest.raises(ConfigError, match="BATCHJUDGE_MASTER_KEY is not a Fernet key") as env:
        load_master_keys(settings.model_copy(update={"master_key": SecretStr(almost)}), tmp_path)
    assert almost not in str(env.value)
    path = tmp_path / "master.key"
    path.write_text(almost + "\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=f"{path} is not a Fernet key") as file:
        load_master_keys(settings, tmp_path)
    assert almost not in str(file.value)
    path.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        load_master_keys(settings, tmp_path)


def test_previous_keys_from_the_file_and_the_environment_still_decrypt(
    settings: Settings, tmp_path: Path
):
    current = load_master_keys(settings, tmp_path).current
    old_file, old_env = KeyCipher.new_master_key(), KeyCipher.new_master_key()
    write_key_file(previous_keys_path(tmp_path / "master.key"), [old_file])
    both = settings.model_copy(update={"master_key_previous": SecretStr(f" {old_env.decode()}, ")})
    keys = load_master_keys(both, tmp_path)
    assert (keys.current, keys.previous) == (current, (old_file, old_env))
    for old in (old_file, old_env):
        assert keys.cipher().decrypt(KeyCipher(old).encrypt("k-1234")) == "k-1234"


def test_staging_keeps_the_replaced_keys_until_they_are_dropped(settings: Settings, tmp_path: Path):
    before = load_master_keys(settings, tmp_path)
    stored = before.cipher().encrypt("k-5678")
    new_key = KeyCipher.new_master_key()
    stage_master_key(before, new_key)
    staged = load_master_keys(settings, tmp_path)
    assert (staged.current, staged.previous) == (new_key, (before.current,))
    assert staged.cipher().decrypt(stored) == "k-5678"
    assert _mode(previous_keys_path(before.path)) == 0o600
    drop_previous_master_keys(before.path)
    assert load_master_keys(settings, tmp_path).previous == ()


def test_one_rotation_at_a_time(tmp_path: Path):
    path = tmp_path / "master.key"
    with (
        rotation_lock(path),
        pytest.raises(ConflictError, match="another master key rotation"),
        rotation_lock(path),
    ):
        pass
    with rotation_lock(path):
        pass

"""Judge0 key pool pieces: masking, encryption at rest, rotation and selection."""

from datetime import UTC, datetime, timedelta

import pytest

from batchjudge.domain.errors import ConfigError
from batchjudge.judge0.keys import KeyCipher, KeyUsage, mask, pick_key

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_only_the_last_four_characters_are_ever_shown():
    assert mask("rapidapi-secret-1234abcd") == "…abcd"
    assert mask("abc") == "…"
    assert "secret" not in mask("rapidapi-secret-1234abcd")


def test_keys_are_encrypted_and_decrypt_with_the_master_key():
    cipher = KeyCipher(KeyCipher.new_master_key())
    stored = cipher.encrypt("my-judge0-key-0042")
    assert b"judge0" not in stored
    assert cipher.decrypt(stored) == "my-judge0-key-0042"
    other = KeyCipher(KeyCipher.new_master_key())
    with pytest.raises(ConfigError, match="does not decrypt"):
        other.decrypt(stored)


def test_rotating_the_master_key_re_encrypts_under_the_new_one():
    old_key, new_key = KeyCipher.new_master_key(), KeyCipher.new_master_key()
    stored = KeyCipher(old_key).encrypt("k-9999")
    rotated = KeyCipher(new_key, old_master_keys=[old_key]).rotate(stored)
    assert KeyCipher(new_key).decrypt(rotated) == "k-9999"
    with pytest.raises(ConfigError):
        KeyCipher(old_key).decrypt(rotated)


def test_a_malformed_master_key_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="32 url-safe base64"):
        KeyCipher(b"too short")


def test_the_pool_picks_the_key_with_the_most_quota_left():
    keys = [
        KeyUsage(1, daily_quota=100, used_today=90),
        KeyUsage(2, daily_quota=100, used_today=10),
        KeyUsage(3, daily_quota=500, used_today=480),
    ]
    assert pick_key(keys, NOW).key_id == 2


def test_exhausted_and_retired_keys_are_skipped_until_their_reset():
    keys = [
        KeyUsage(1, daily_quota=100, used_today=0, exhausted_until=NOW + timedelta(hours=1)),
        KeyUsage(2, daily_quota=100, used_today=99),
        KeyUsage(3, daily_quota=1000, used_today=0, retired=True),
    ]
    assert pick_key(keys, NOW).key_id == 2
    assert pick_key(keys, NOW + timedelta(hours=2)).key_id == 1
    assert pick_key([KeyUsage(4, daily_quota=10, used_today=10)], NOW) is None
    assert pick_key([], NOW) is None

"""The Judge0 key pool on both databases: add, list, retire, the master-key rotation and
its crash points, and DatabaseKeyPool's choice, counting and rests."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.engine import make_session_factory
from batchjudge.db.judge0 import Judge0ApiKey
from batchjudge.domain.errors import ConfigError, ConflictError, NotFoundError
from batchjudge.judge0.key_pool import KeyLease
from batchjudge.judge0.keys import KeyCipher
from batchjudge.judge0.master_key import (
    load_key_cipher,
    load_master_keys,
    previous_keys_path,
    stage_master_key,
)
from batchjudge.services.judge0_keys import (
    DatabaseKeyPool,
    add_key,
    list_keys,
    retire_key,
    rotate_master_key,
)
from batchjudge.settings import Settings

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("MASTER_KEY", "MASTER_KEY_FILE", "MASTER_KEY_PREVIOUS", "CONFIG"):
        monkeypatch.delenv(f"BATCHJUDGE_{name}", raising=False)
    return Settings(data_dir=tmp_path)


@pytest.fixture
def cipher(settings: Settings, tmp_path: Path) -> KeyCipher:
    return load_key_cipher(settings, tmp_path)


def _add(sessions, cipher, label: str, secret: str, quota: int = 100, now: datetime = NOW):
    with sessions.begin() as session:
        return add_key(session, cipher, label, secret, quota, now=now)


def _stored(sessions) -> dict[str, bytes]:
    with sessions() as session:
        return {row.label: row.ciphertext for row in session.scalars(select(Judge0ApiKey))}


def test_keys_are_stored_encrypted_and_listed_masked(sessions, cipher):
    added = _add(sessions, cipher, "school-a", "  rapid-key-0001-abcd\n", quota=50)
    assert (added.label, added.masked, added.daily_quota, added.remaining) == (
        "school-a",
        "…abcd",
        50,
        50,
    )
    stored = _stored(sessions)["school-a"]
    assert b"rapid-key" not in stored
    assert cipher.decrypt(stored) == "rapid-key-0001-abcd"
    _add(sessions, cipher, "school-b", "rapid-key-0002-wxyz")
    with sessions() as session:
        listed = list_keys(session, NOW)
    assert [(s.label, s.masked, s.used_today) for s in listed] == [
        ("school-a", "…abcd", 0),
        ("school-b", "…wxyz", 0),
    ]


def test_a_label_or_a_key_is_stored_once(sessions, cipher):
    _add(sessions, cipher, "school-a", "rapid-key-0001-abcd")
    with pytest.raises(ConflictError, match="'school-a' exists already"):
        _add(sessions, cipher, "school-a", "another-key-9999")
    with pytest.raises(ConflictError, match="stored already, labelled 'school-a'"):
        _add(sessions, cipher, "school-b", "rapid-key-0001-abcd")
    _add(sessions, cipher, "school-c", "different-key-abcd")  # same last 4 is fine
    with sessions.begin() as session:
        retire_key(session, "school-a", NOW)
    with pytest.raises(ConflictError, match=r"'school-a' exists already \(retired\)"):
        _add(sessions, cipher, "school-a", "rapid-key-0001-abcd")
    assert set(_stored(sessions)) == {"school-a", "school-c"}


@pytest.mark.parametrize(
    ("label", "secret", "quota", "message"),
    [
        ("", "rapid-key-0001", 100, "label"),
        ("has space", "rapid-key-0001", 100, "label"),
        ("-dash-first", "rapid-key-0001", 100, "label"),
        ("x" * 101, "rapid-key-0001", 100, "label"),
        ("ok", "   \n", 100, "empty"),
        ("ok", "two words-here", 100, "one word"),
        ("ok", "short", 100, "8 to 512"),
        ("ok", "k" * 513, 100, "8 to 512"),
        ("ok", "rapid-key-0001", 0, "daily quota"),
    ],
)
def test_malformed_input_is_refused_without_quoting_the_key(
    sessions, cipher, label, secret, quota, message
):
    with pytest.raises(ConfigError, match=message) as refused:
        _add(sessions, cipher, label, secret, quota)
    if secret.strip():
        assert secret.strip() not in str(refused.value)
    assert _stored(sessions) == {}


def test_retiring_erases_the_ciphertext_and_is_idempotent(sessions, cipher):
    _add(sessions, cipher, "school-a", "rapid-key-0001-abcd")
    with sessions.begin() as session:
        first = retire_key(session, "school-a", NOW)
    with sessions.begin() as session:
        again = retire_key(session, "school-a", NOW + timedelta(hours=1))
    assert first.retired_at == again.retired_at == NOW
    assert (first.remaining, first.masked) == (0, "…abcd")
    assert _stored(sessions)["school-a"] == b""
    with (
        pytest.raises(NotFoundError, match="no Judge0 key labelled 'nope'"),
        sessions.begin() as session,
    ):
        retire_key(session, "nope")


def test_a_process_with_an_outdated_master_key_cannot_add(sessions, cipher):
    _add(sessions, cipher, "school-a", "rapid-key-0001-abcd")
    stale = KeyCipher(KeyCipher.new_master_key())
    with pytest.raises(ConfigError, match="does not decrypt the stored Judge0 keys"):
        _add(sessions, stale, "school-b", "rapid-key-0002-wxyz")


def test_the_pool_leases_the_key_with_most_left_and_counts_each_use(sessions, cipher):
    _add(sessions, cipher, "small", "small-key-0001-aaaa", quota=3)
    _add(sessions, cipher, "large", "large-key-0002-bbbb", quota=5)
    pool = DatabaseKeyPool(sessions, cipher)
    secrets_used = []
    for _ in range(8):
        lease = pool.acquire(NOW)
        assert lease is not None
        secrets_used.append(lease.secret)
        pool.record_use(lease, None, NOW)
    # 5/3 → large; 4/3 → large; 3/3 → small (lowest id on a tie)…
    assert secrets_used.count("large-key-0002-bbbb") == 5
    assert secrets_used.count("small-key-0001-aaaa") == 3
    assert pool.acquire(NOW) is None
    assert pool.next_available(NOW) == MIDNIGHT
    with sessions() as session:
        assert {s.label: s.used_today for s in list_keys(session, NOW)} == {"small": 3, "large": 5}
    lease = pool.acquire(MIDNIGHT)
    assert lease is not None
    pool.record_use(lease, None, MIDNIGHT)
    with sessions() as session:
        used = {s.label: s.used_today for s in list_keys(session, MIDNIGHT)}
    assert used == {"small": 0, "large": 1}


def test_the_providers_remaining_count_caps_the_daily_quota(sessions, cipher):
    _add(sessions, cipher, "a", "key-aaaa-0001-aaaa", quota=100)
    _add(sessions, cipher, "b", "key-bbbb-0002-bbbb", quota=50)
    pool = DatabaseKeyPool(sessions, cipher)
    lease = pool.acquire(NOW)
    assert lease is not None
    assert lease.secret == "key-aaaa-0001-aaaa"
    pool.record_use(lease, 7, NOW)  # the provider says only 7 calls are left on its plan
    assert pool.acquire(NOW).secret == "key-bbbb-0002-bbbb"
    pool.record_use(lease, None, NOW)  # no header this time: the last count stands
    with sessions() as session:
        status = {s.label: s for s in list_keys(session, NOW)}["a"]
    assert (status.used_today, status.provider_remaining, status.remaining) == (2, 7, 7)
    assert status.last_used_at == NOW
    tomorrow = MIDNIGHT + timedelta(hours=1)
    with sessions() as session:
        status = {s.label: s for s in list_keys(session, tomorrow)}["a"]
    assert (status.used_today, status.provider_remaining, status.remaining) == (0, None, 100)


def test_a_429_rests_the_key_until_its_reset(sessions, cipher):
    _add(sessions, cipher, "only", "only-key-0001-cccc")
    pool = DatabaseKeyPool(sessions, cipher)
    lease = pool.acquire(NOW)
    reset = NOW + timedelta(minutes=30)
    pool.mark_exhausted(lease, reset)
    pool.mark_exhausted(lease, NOW + timedelta(minutes=10))  # never shortens a rest
    assert pool.acquire(NOW) is None
    assert pool.next_available(NOW) == reset
    with sessions() as session:
        assert list_keys(session, NOW)[0].exhausted_until == reset
    assert pool.acquire(reset) == lease


def test_retired_keys_and_an_empty_pool_lease_nothing(sessions, cipher):
    pool = DatabaseKeyPool(sessions, cipher)
    assert pool.acquire(NOW) is None
    assert pool.next_available(NOW) is None
    _add(sessions, cipher, "gone", "gone-key-0001-dddd")
    with sessions.begin() as session:
        retire_key(session, "gone", NOW)
    assert pool.acquire(NOW) is None
    assert pool.next_available(NOW) is None
    pool.record_use(KeyLease(None, "static"), 3, NOW)  # a lease without a row is ignored
    pool.mark_exhausted(KeyLease(None, "static"), NOW)


def test_concurrent_uses_are_all_counted(sessions, cipher):
    _add(sessions, cipher, "busy", "busy-key-0001-eeee", quota=1000)
    pool = DatabaseKeyPool(sessions, cipher)
    lease = pool.acquire(NOW)

    def spend() -> None:
        for _ in range(10):
            pool.record_use(lease, None, NOW)

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sessions() as session:
        assert list_keys(session, NOW)[0].used_today == 40


def test_rotation_with_a_key_file_re_encrypts_and_drops_the_old_key(
    sessions, cipher, settings, tmp_path
):
    _add(sessions, cipher, "a", "key-aaaa-0001-aaaa")
    _add(sessions, cipher, "b", "key-bbbb-0002-bbbb")
    with sessions.begin() as session:
        retire_key(session, "b", NOW)
    old = load_master_keys(settings, tmp_path)
    rotation = rotate_master_key(sessions, settings, tmp_path)
    assert (rotation.reencrypted, rotation.path) == (1, tmp_path / "master.key")
    new = load_master_keys(settings, tmp_path)
    assert new.current != old.current
    assert new.previous == ()
    assert not previous_keys_path(tmp_path / "master.key").exists()
    stored = _stored(sessions)["a"]
    assert KeyCipher(new.current).decrypt(stored) == "key-aaaa-0001-aaaa"
    with pytest.raises(ConfigError):
        KeyCipher(old.current).decrypt(stored)


def test_a_pool_holding_the_old_master_key_reloads_it_after_a_rotation(
    sessions, cipher, settings, tmp_path
):
    _add(sessions, cipher, "a", "key-aaaa-0001-aaaa")
    pool = DatabaseKeyPool.from_settings(sessions, settings, tmp_path)
    rotate_master_key(sessions, settings, tmp_path)
    assert pool.acquire(NOW).secret == "key-aaaa-0001-aaaa"
    fixed = DatabaseKeyPool(sessions, cipher)
    with pytest.raises(ConfigError, match="does not decrypt"):
        fixed.acquire(NOW)


def test_a_rotation_stopped_after_staging_leaves_every_key_decryptable(
    sessions, cipher, settings, tmp_path
):
    # As if the process died between writing the key files and committing.
    _add(sessions, cipher, "a", "key-aaaa-0001-aaaa")
    stage_master_key(load_master_keys(settings, tmp_path), KeyCipher.new_master_key())
    assert DatabaseKeyPool.from_settings(sessions, settings, tmp_path).acquire(NOW) is not None
    # The next rotation finishes the job and forgets both older keys.
    assert rotate_master_key(sessions, settings, tmp_path).reencrypted == 1
    keys = load_master_keys(settings, tmp_path)
    assert keys.previous == ()
    assert KeyCipher(keys.current).decrypt(_stored(sessions)["a"]) == "key-aaaa-0001-aaaa"


def test_a_key_that_does_not_decrypt_stops_the_rotation_with_nothing_changed(
    sessions, cipher, settings, tmp_path
):
    _add(sessions, cipher, "a", "key-aaaa-0001-aaaa")
    with sessions.begin() as session:
        session.add(
            Judge0ApiKey(
                label="foreign",
                ciphertext=KeyCipher(KeyCipher.new_master_key()).encrypt("foreign-key-9999"),
                last4="9999",
                daily_quota=10,
            )
        )
    before_file = (tmp_path / "master.key").read_bytes()
    before_rows = _stored(sessions)
    with pytest.raises(ConfigError, match="does not decrypt"):
        rotate_master_key(sessions, settings, tmp_path)
    assert (tmp_path / "master.key").read_bytes() == before_file
    assert not previous_keys_path(tmp_path / "master.key").exists()
    assert _stored(sessions) == before_rows


def test_rotation_with_an_environment_key_shows_the_new_key_before_committing(
    sessions, settings, tmp_path
):
    old = KeyCipher.new_master_key()
    from_env = settings.model_copy(update={"master_key": SecretStr(old.decode())})
    _add(sessions, KeyCipher(old), "a", "key-aaaa-0001-aaaa")
    shown: list[bytes] = []

    def announce(new_key: bytes) -> None:
        # Not committed yet: the old key still decrypts what another session reads.
        assert KeyCipher(old).decrypt(_stored(sessions)["a"]) == "key-aaaa-0001-aaaa"
        shown.append(new_key)

    rotation = rotate_master_key(sessions, from_env, tmp_path, announce)
    assert (rotation.reencrypted, rotation.path) == (1, None)
    assert KeyCipher(shown[0]).decrypt(_stored(sessions)["a"]) == "key-aaaa-0001-aaaa"
    assert not (tmp_path / "master.key").exists()


def test_an_environment_rotation_that_fails_to_show_the_key_changes_nothing(
    sessions, settings, tmp_path
):
    old = KeyCipher.new_master_key()
    from_env = settings.model_copy(update={"master_key": SecretStr(old.decode())})
    _add(sessions, KeyCipher(old), "a", "key-aaaa-0001-aaaa")
    before = _stored(sessions)

    def broken_terminal(_new_key: bytes) -> None:
        raise OSError("stdout is closed")

    with pytest.raises(OSError, match="stdout"):
        rotate_master_key(sessions, from_env, tmp_path, broken_terminal)
    assert _stored(sessions) == before
    with pytest.raises(ConflictError, match="BATCHJUDGE_MASTER_KEY"):
        rotate_master_key(sessions, from_env, tmp_path)

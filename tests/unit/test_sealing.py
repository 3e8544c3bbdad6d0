"""Derived keys, the sealer, and the keyring that follows the key file."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from batchjudge.crypto.derived_keys import KeyPurpose, derive_key
from batchjudge.crypto.keyring import RELOAD_INTERVAL_S, MasterKeyring
from batchjudge.crypto.sealer import Sealer
from batchjudge.domain.errors import ConfigError
from batchjudge.judge0.keys import KeyCipher
from batchjudge.judge0.master_key import load_master_keys, stage_master_key
from batchjudge.settings import Settings


def test_each_purpose_and_master_key_derive_a_different_key():
    master, other = Fernet.generate_key(), Fernet.generate_key()
    keys = {derive_key(m, p) for m in (master, other) for p in KeyPurpose}
    assert len(keys) == 2 * len(KeyPurpose)
    assert derive_key(master, KeyPurpose.PSEUDONYMS) == derive_key(master, KeyPurpose.PSEUDONYMS)


def test_a_sealed_value_opens_only_under_its_purpose_and_master_keys():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed = Sealer(KeyPurpose.SUBMISSION_SOURCE, old).seal(b"print(1)")
    assert b"print" not in sealed
    with pytest.raises(ConfigError, match="does not decrypt"):
        Sealer(KeyPurpose.PSEUDONYMS, old).open(sealed)
    with pytest.raises(ConfigError):
        Sealer(KeyPurpose.SUBMISSION_SOURCE, new).open(sealed)
    rotating = Sealer(KeyPurpose.SUBMISSION_SOURCE, new, [old])
    assert not rotating.is_current(sealed)
    resealed = rotating.reseal(sealed)
    assert rotating.is_current(resealed)
    assert Sealer(KeyPurpose.SUBMISSION_SOURCE, new).open(resealed) == b"print(1)"


def test_judge0_keys_stored_under_the_raw_master_key_still_open_and_move_on_rotation():
    master = Fernet.generate_key()
    legacy = Fernet(master).encrypt(b"k-1234")  # how keys were stored before derivation
    cipher = KeyCipher(master)
    assert cipher.decrypt(legacy) == "k-1234"
    assert not cipher.is_current(legacy)
    moved = cipher.rotate(legacy)
    assert cipher.is_current(moved)
    with pytest.raises(InvalidToken):
        Fernet(master).decrypt(moved)


def test_the_keyring_follows_a_rotation_of_the_key_file(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    now = [0.0]
    keyring = MasterKeyring(settings, tmp_path, clock=lambda: now[0])
    before = keyring.sealer(KeyPurpose.SUBMISSION_SOURCE).seal(b"x")
    new_key = Fernet.generate_key()
    stage_master_key(load_master_keys(settings, tmp_path), new_key)
    # Within the interval the old keys are kept; after it the new one seals.
    assert not Sealer(KeyPurpose.SUBMISSION_SOURCE, new_key).is_current(
        keyring.sealer(KeyPurpose.SUBMISSION_SOURCE).seal(b"x")
    )
    now[0] += RELOAD_INTERVAL_S
    after = keyring.sealer(KeyPurpose.SUBMISSION_SOURCE)
    assert Sealer(KeyPurpose.SUBMISSION_SOURCE, new_key).is_current(after.seal(b"x"))
    assert after.open(before) == b"x"  # the replaced key still opens older values

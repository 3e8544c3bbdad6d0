"""Pseudonyms of user ids: stable under one key, different under another, and not found
by hashing candidate ids without the key."""

import hashlib

import pytest
from cryptography.fernet import Fernet

from batchjudge.crypto.pseudonyms import PSEUDONYM_CHARS, Pseudonyms


def test_a_pseudonym_is_stable_under_one_master_key_and_unique_per_user():
    master = Fernet.generate_key()
    first, again = Pseudonyms.from_master_key(master), Pseudonyms.from_master_key(master)
    names = [first.of(user_id) for user_id in range(1, 2001)]
    assert names == [again.of(user_id) for user_id in range(1, 2001)]
    assert len(set(names)) == len(names)
    assert all(len(n) == PSEUDONYM_CHARS and int(n, 16) >= 0 for n in names)


def test_another_master_key_gives_unrelated_pseudonyms():
    one = Pseudonyms.from_master_key(Fernet.generate_key())
    other = Pseudonyms.from_master_key(Fernet.generate_key())
    assert all(one.of(user_id) != other.of(user_id) for user_id in range(1, 1001))


def test_hashing_every_candidate_id_without_the_key_finds_nothing():
    pseudonyms = Pseudonyms.from_master_key(Fernet.generate_key())
    target = pseudonyms.of(42)
    for user_id in range(100_000):
        text = str(user_id).encode()
        for digest in (hashlib.sha256(text), hashlib.sha1(text), hashlib.md5(text)):
            assert digest.hexdigest()[:PSEUDONYM_CHARS] != target


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        Pseudonyms(b"too short")

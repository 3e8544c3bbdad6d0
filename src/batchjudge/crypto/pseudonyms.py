"""Pseudonyms for user ids in analytics exports: a keyed hash, stable per master key.

HMAC-SHA256 under a key derived for this purpose alone: whoever holds an export cannot
turn a pseudonym back into an id by hashing the few thousand possible ids, as they could
with a plain hash, and the key opens nothing else. The same id gets the same pseudonym in
every export until the master key is rotated, so exports can be joined with each other
but not with the database.
"""

import hashlib
import hmac

from batchjudge.crypto.derived_keys import KeyPurpose, derive_key

#: Hex characters kept: 64 bits, far from collisions among a site's users.
PSEUDONYM_CHARS = 16


class Pseudonyms:
    """Turns user ids into pseudonyms under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("a pseudonym key needs at least 32 bytes")
        self._key = key

    @classmethod
    def from_master_key(cls, master_key: bytes) -> "Pseudonyms":
        """Pseudonyms under the key derived from `master_key` for this purpose."""
        return cls(derive_key(master_key, KeyPurpose.PSEUDONYMS))

    def of(self, user_id: int) -> str:
        """The pseudonym of `user_id`: 16 lowercase hex characters."""
        digest = hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_CHARS]

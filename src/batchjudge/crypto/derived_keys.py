"""One key per purpose, derived from the master key with HKDF-SHA256.

Separate keys keep a leak of one use (say, the pseudonym key given to an analyst) from
unlocking another (the sealed sources). Derivation is deterministic, so nothing but the
master key has to be stored, and rotating the master key rotates every derived key.
"""

import base64
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"batchjudge derived keys v1"


class KeyPurpose(StrEnum):
    """What a derived key is used for; the value is HKDF's `info`."""

    SUBMISSION_SOURCE = "submission-source"
    JUDGE0_KEYS = "judge0-keys"
    PSEUDONYMS = "pseudonyms"


def derive_key(master_key: bytes, purpose: KeyPurpose) -> bytes:
    """32 raw bytes for `purpose`, from a master key (a Fernet key, as stored)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.value.encode()
    ).derive(master_key)


def derive_fernet_key(master_key: bytes, purpose: KeyPurpose) -> bytes:
    """The derived key for `purpose` in Fernet's form (url-safe base64)."""
    return base64.urlsafe_b64encode(derive_key(master_key, purpose))

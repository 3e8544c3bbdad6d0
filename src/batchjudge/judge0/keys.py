"""Judge0 API keys: encrypted at rest, shown only by their last 4 characters, and picked
by remaining daily quota.

Each key must be used within its provider's terms (RapidAPI plans are per subscriber);
the pool spreads one school's load, it does not pool strangers' quotas.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet

from batchjudge.crypto.derived_keys import KeyPurpose
from batchjudge.crypto.sealer import Sealer
from batchjudge.domain.errors import ConfigError

_SHOWN = 4


def mask(key: str) -> str:
    """The only form of a key that may appear in output, logs or API answers."""
    return "…" + key[-_SHOWN:] if len(key) > _SHOWN else "…"


class KeyCipher:
    """Encrypts keys under the key derived from the master key for Judge0 keys.

    Keys stored before per-purpose derivation (encrypted under a master key itself) still
    decrypt; `rotate` moves them to the derived key.
    """

    def __init__(self, master_key: bytes, old_master_keys: Iterable[bytes] = ()) -> None:
        self._sealer = Sealer(KeyPurpose.JUDGE0_KEYS, master_key, old_master_keys, legacy_raw=True)

    @staticmethod
    def new_master_key() -> bytes:
        """A fresh random master key."""
        return Fernet.generate_key()

    def encrypt(self, key: str) -> bytes:
        """The stored form of `key`."""
        return self._sealer.seal(key.encode())

    def decrypt(self, stored: bytes) -> str:
        """The key behind its stored form.

        Raises:
            ConfigError: it was encrypted under a master key we do not have.
        """
        try:
            return self._sealer.open(stored).decode()
        except ConfigError:
            raise ConfigError("a stored Judge0 key does not decrypt with the master key") from None

    def rotate(self, stored: bytes) -> bytes:
        """Re-encrypt under the current master key (after adding a new one first)."""
        try:
            return self._sealer.reseal(stored)
        except ConfigError:
            raise ConfigError("a stored Judge0 key does not decrypt with the master key") from None

    def is_current(self, stored: bytes) -> bool:
        """Whether `stored` is already under the current master key's derived key."""
        return self._sealer.is_current(stored)


@dataclass(frozen=True)
class KeyUsage:
    """What the pool knows of one key today."""

    key_id: int
    daily_quota: int
    used_today: int
    exhausted_until: datetime | None = None
    retired: bool = False

    def remaining(self, now: datetime) -> int:
        """Calls left today; none while a 429 said it is exhausted, or once retired."""
        if self.retired or (self.exhausted_until is not None and now < self.exhausted_until):
            return 0
        return max(self.daily_quota - self.used_today, 0)


def pick_key(keys: Iterable[KeyUsage], now: datetime) -> KeyUsage | None:
    """The key with the most remaining quota (the lowest id on a tie), or None."""
    usable = [key for key in keys if key.remaining(now) > 0]
    if not usable:
        return None
    return max(usable, key=lambda key: (key.remaining(now), -key.key_id))

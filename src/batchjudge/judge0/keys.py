"""Judge0 API keys: encrypted at rest, shown only by their last 4 characters, and picked
by remaining daily quota.

Each key must be used within its provider's terms (RapidAPI plans are per subscriber);
the pool spreads one school's load, it does not pool strangers' quotas.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from batchjudge.domain.errors import ConfigError

_SHOWN = 4


def mask(key: str) -> str:
    """The only form of a key that may appear in output, logs or API answers."""
    return "…" + key[-_SHOWN:] if len(key) > _SHOWN else "…"


class KeyCipher:
    """Encrypts keys under the master key (Fernet: AES-128-CBC with HMAC-SHA256)."""

    def __init__(self, master_key: bytes, old_master_keys: Iterable[bytes] = ()) -> None:
        try:
            self._fernet = MultiFernet([Fernet(master_key), *map(Fernet, old_master_keys)])
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "the master key must be 32 url-safe base64-encoded bytes (a Fernet key)"
            ) from exc

    @staticmethod
    def new_master_key() -> bytes:
        """A fresh random master key."""
        return Fernet.generate_key()

    def encrypt(self, key: str) -> bytes:
        """The stored form of `key`."""
        return self._fernet.encrypt(key.encode())

    def decrypt(self, stored: bytes) -> str:
        """The key behind its stored form.

        Raises:
            ConfigError: it was encrypted under a master key we do not have.
        """
        try:
            return self._fernet.decrypt(stored).decode()
        except InvalidToken as exc:
            raise ConfigError("a stored Judge0 key does not decrypt with the master key") from exc

    def rotate(self, stored: bytes) -> bytes:
        """Re-encrypt under the current master key (after adding a new one first)."""
        try:
            return self._fernet.rotate(stored)
        except InvalidToken as exc:
            raise ConfigError("a stored Judge0 key does not decrypt with the master key") from exc


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

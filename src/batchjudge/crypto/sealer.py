"""Sealing: authenticated encryption (Fernet: AES-128-CBC with HMAC-SHA256) under a key
derived from the master key for one purpose."""

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from batchjudge.crypto.derived_keys import KeyPurpose, derive_fernet_key
from batchjudge.domain.errors import ConfigError


class Sealer:
    """Seals under the current master key's derived key; opens under any master key's.

    `legacy_raw` also opens values encrypted under a master key itself, as Judge0 keys
    were before keys were derived per purpose; `reseal` moves them to the derived key.
    """

    def __init__(
        self,
        purpose: KeyPurpose,
        master_key: bytes,
        old_master_keys: Iterable[bytes] = (),
        *,
        legacy_raw: bool = False,
    ) -> None:
        masters = [master_key, *old_master_keys]
        try:
            fernets = [Fernet(derive_fernet_key(key, purpose)) for key in masters]
            if legacy_raw:
                fernets.extend(Fernet(key) for key in masters)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "the master key must be 32 url-safe base64-encoded bytes (a Fernet key)"
            ) from exc
        self.purpose = purpose
        self._current_only = fernets[0]
        self._fernet = MultiFernet(fernets)

    def seal(self, plain: bytes) -> bytes:
        """`plain`, encrypted and authenticated."""
        return self._fernet.encrypt(plain)

    def open(self, sealed: bytes) -> bytes:
        """What `seal` was given.

        Raises:
            ConfigError: it was sealed under a master key we do not have, or altered.
        """
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise self._undecryptable() from None

    def reseal(self, sealed: bytes) -> bytes:
        """Seal again under the current master key."""
        try:
            return self._fernet.rotate(sealed)
        except InvalidToken:
            raise self._undecryptable() from None

    def is_current(self, sealed: bytes) -> bool:
        """Whether `sealed` opens under the current master key alone (nothing to redo)."""
        try:
            self._current_only.decrypt(sealed)
        except InvalidToken:
            return False
        return True

    def _undecryptable(self) -> ConfigError:
        return ConfigError(
            f"a stored value ({self.purpose.value}) does not decrypt with the master key "
            "or the previous ones; was the master key replaced without `batchjudge keys "
            "rotate-master`?"
        )

"""The key pool as the Judge0 backend sees it: lease a key, report what the provider said.

The database-backed pool lives in `services.judge0_keys`; `StaticKeyPool` serves a
server without keys (or with one fixed token) and tests.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class KeyLease:
    """A key to send with one request; `secret` is None for a server without auth."""

    key_id: int | None
    secret: str | None


class KeyPool(Protocol):
    """Where the backend's credentials come from."""

    def acquire(self, now: datetime) -> KeyLease | None:
        """The key with the most remaining quota, or None when every key is exhausted."""
        ...

    def record_use(self, lease: KeyLease, remaining: int | None, now: datetime) -> None:
        """One billed request went out; `remaining` is the provider's quota header."""
        ...

    def mark_exhausted(self, lease: KeyLease, until: datetime) -> None:
        """A 429 said this key may not be used before `until`."""
        ...

    def next_available(self, now: datetime) -> datetime | None:
        """When the first exhausted key becomes usable again, if any will."""
        ...


class StaticKeyPool:
    """One fixed credential (or none) that never runs out unless a 429 says so."""

    def __init__(self, secret: str | None = None) -> None:
        self._lease = KeyLease(None, secret)
        self._exhausted_until: datetime | None = None

    def acquire(self, now: datetime) -> KeyLease | None:
        """The one credential, unless a 429 put it to rest."""
        if self._exhausted_until is not None and now < self._exhausted_until:
            return None
        return self._lease

    def record_use(self, lease: KeyLease, remaining: int | None, now: datetime) -> None:
        """Nothing to count for a single credential."""

    def mark_exhausted(self, lease: KeyLease, until: datetime) -> None:  # noqa: ARG002 - one credential
        """Rest the credential until `until`."""
        self._exhausted_until = until

    def next_available(self, now: datetime) -> datetime | None:
        """When the rest ends."""
        if self._exhausted_until is not None and now < self._exhausted_until:
            return self._exhausted_until
        return None

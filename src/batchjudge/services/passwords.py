"""Passwords for signing in to the web UI, kept only as argon2id hashes."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from batchjudge.domain.errors import InvalidInputError

MIN_LENGTH = 8
MAX_LENGTH = 256


class Passwords:
    """Hashes and checks passwords. Built once by the app or the CLI and passed in."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Checked when a name is unknown, so that a wrong name costs as long as a wrong
        # password and timing does not tell which names exist.
        self._decoy = self._hasher.hash("not a password of anyone")

    def hash(self, password: str) -> str:
        """The hash to store for `password`, which must be 8 to 256 characters long."""
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            raise InvalidInputError(
                f"a password must be {MIN_LENGTH} to {MAX_LENGTH} characters long"
            )
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored` (None: the user has no password)."""
        try:
            return self._hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(stored)

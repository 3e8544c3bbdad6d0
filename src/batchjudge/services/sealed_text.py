"""Submission sources and Judge0-API requests, sealed at rest.

The session factory carries the process's keyring in `Session.info` (see
`db.engine.make_session_factory`), so every code path that stores or reads a source
through a session seals and opens it the same way. A session without a keyring (some
tests, tools working on a copy) stores text plain and marks it so.
"""

from sqlalchemy.orm import Session

from batchjudge.crypto.derived_keys import KeyPurpose
from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.domain.errors import ConfigError

#: The `Session.info` entry holding the keyring.
KEYRING_INFO = "batchjudge.keyring"


def keyring_of(session: Session) -> MasterKeyring | None:
    """The keyring the session's factory was given, if any."""
    keyring = session.info.get(KEYRING_INFO)
    return keyring if isinstance(keyring, MasterKeyring) else None


def seal_text(session: Session, text: str) -> tuple[str, bool]:
    """The stored form of `text` and whether it is sealed."""
    keyring = keyring_of(session)
    if keyring is None:
        return text, False
    sealed = keyring.sealer(KeyPurpose.SUBMISSION_SOURCE).seal(text.encode())
    return sealed.decode("ascii"), True


def open_text(session: Session, stored: str, sealed: bool) -> str:
    """The text behind its stored form.

    Raises:
        ConfigError: it is sealed and this session has no keyring, or none of the master
            keys opens it.
    """
    if not sealed:
        return stored
    keyring = keyring_of(session)
    if keyring is None:
        raise ConfigError("a sealed source needs the master key, which this process lacks")
    try:
        return keyring.sealer(KeyPurpose.SUBMISSION_SOURCE).open(stored.encode()).decode()
    except ConfigError:
        # A rotation elsewhere may have sealed it under a key we have not read yet.
        keyring.reload_now()
        return keyring.sealer(KeyPurpose.SUBMISSION_SOURCE).open(stored.encode()).decode()

"""The master key that encrypts stored Judge0 keys: taken from the environment or a key file.

`BATCHJUDGE_MASTER_KEY` wins when set. Otherwise the key lives in a file (by default
`<data_dir>/master.key`), created with mode 0600 on first use; a file other users may read
is refused. `<file>.previous` and `BATCHJUDGE_MASTER_KEY_PREVIOUS` hold older keys that
still decrypt during a rotation (see `services.judge0_keys.rotate_master_key`).
"""

import contextlib
import fcntl
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr

from batchjudge.domain.errors import ConfigError, ConflictError
from batchjudge.judge0.keys import KeyCipher
from batchjudge.settings import Environment, Settings

#: The key file's name in the data dir when `master_key_file` is unset.
DEFAULT_KEY_FILE = "master.key"

_NOT_A_KEY = "is not a Fernet key (32 url-safe base64-encoded bytes)"
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class MasterKeys:
    """The current master key, the older ones that may still decrypt, and where they live.

    Attributes:
        current: encrypts; it and `previous` decrypt.
        previous: older keys, kept only while a rotation is unfinished.
        path: the key file, or None when the key comes from `BATCHJUDGE_MASTER_KEY`.
    """

    current: bytes = field(repr=False)
    previous: tuple[bytes, ...] = field(default=(), repr=False)
    path: Path | None = None

    @property
    def from_environment(self) -> bool:
        """Whether the key comes from `BATCHJUDGE_MASTER_KEY` (so we cannot replace it)."""
        return self.path is None

    def cipher(self) -> KeyCipher:
        """A cipher that encrypts under `current` and decrypts under every key."""
        return KeyCipher(self.current, self.previous)


def master_key_path(settings: Settings, data_dir: Path) -> Path:
    """The key file: `master_key_file`, or `<data_dir>/master.key` when that is unset."""
    configured = settings.master_key_file
    if configured is None or str(configured) in ("", "."):
        return data_dir / DEFAULT_KEY_FILE
    return configured.expanduser().resolve()


def previous_keys_path(path: Path) -> Path:
    """Where the keys a rotation replaces are kept until the database is re-encrypted."""
    return path.with_name(path.name + ".previous")


def load_master_keys(settings: Settings, data_dir: Path) -> MasterKeys:
    """The master keys in force, creating the key file on first use.

    Raises:
        ConfigError: a key is malformed, or the key file is readable by other users or
            cannot be read or written.
    """
    previous = _parse_keys(settings.master_key_previous, "BATCHJUDGE_MASTER_KEY_PREVIOUS")
    if settings.master_key is not None:
        current = _parse_keys(settings.master_key, "BATCHJUDGE_MASTER_KEY")
        if len(current) != 1:
            raise ConfigError(f"BATCHJUDGE_MASTER_KEY {_NOT_A_KEY}")
        return MasterKeys(current[0], tuple(previous))
    path = master_key_path(settings, data_dir)
    if not path.exists() and settings.environment is Environment.PRODUCTION:
        # A key made on the fly in production would be lost with the machine, and every
        # sealed source with it: the operator must choose where the key lives.
        raise ConfigError(
            f"production needs a master key: set BATCHJUDGE_MASTER_KEY, or create {path} "
            "with `batchjudge keys init-master` and back it up apart from the database"
        )
    stored = _read_keys(path) if path.exists() else [_create_key_file(path)]
    if len(stored) != 1:
        raise ConfigError(f"the master key file {path} must hold exactly one key")
    older = previous_keys_path(path)
    if older.exists():
        previous = _read_keys(older) + previous
    return MasterKeys(stored[0], tuple(previous), path)


def create_master_key_file(settings: Settings, data_dir: Path) -> Path:
    """Create the key file with a fresh key (mode 0600), even in production.

    Raises:
        ConflictError: the key comes from BATCHJUDGE_MASTER_KEY, or the file exists.
    """
    if settings.master_key is not None:
        raise ConflictError("the master key comes from BATCHJUDGE_MASTER_KEY; no file is needed")
    path = master_key_path(settings, data_dir)
    if path.exists():
        raise ConflictError(f"the master key file {path} exists already")
    _create_key_file(path)
    return path


def load_key_cipher(settings: Settings, data_dir: Path) -> KeyCipher:
    """The cipher of the master keys in force (see `load_master_keys`)."""
    return load_master_keys(settings, data_dir).cipher()


def _parse_keys(value: SecretStr | str | None, where: str) -> list[bytes]:
    """The Fernet keys in `value`, separated by commas or white space."""
    if value is None:
        return []
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    keys = [word.encode() for word in _SEPARATORS.split(text.strip()) if word]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            # Never echo the value: it may be a real key with a typo.
            raise ConfigError(f"{where} {_NOT_A_KEY}") from None
    return keys


def _read_keys(path: Path) -> list[bytes]:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"the master key file {path} is not a regular file")
        # Graded programs run as other uids on this machine; they must never read the key.
        if info.st_mode & 0o007:
            raise ConfigError(
                f"the master key file {path} is accessible to other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}`"
            )
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not ASCII text"
        raise ConfigError(f"cannot read the master key file {path}: {reason}") from None
    keys = _parse_keys(text, f"the master key file {path}")
    if not keys:
        raise ConfigError(f"the master key file {path} is empty")
    return keys


def _create_key_file(path: Path) -> bytes:
    """A new master key in a new file; when another process won the race, its key."""
    key = KeyCipher.new_master_key()
    temporary = _write_temporary(path, [key])
    try:
        os.link(temporary, path)  # unlike rename, fails when the file appeared meanwhile
    except FileExistsError:
        return _read_keys(path)[0]
    except OSError as exc:
        raise ConfigError(f"cannot create the master key file {path}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)
    return key


def write_key_file(path: Path, keys: Sequence[bytes]) -> None:
    """Replace `path` atomically with `keys`, one per line, mode 0600."""
    temporary = _write_temporary(path, keys)
    try:
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the master key file {path}: {exc.strerror}") from None
    _sync_folder(path.parent)


def _write_temporary(path: Path, keys: Sequence[bytes]) -> Path:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # whatever the umask says
            out.write(b"".join(key + b"\n" for key in keys))
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the master key file {path}: {exc.strerror}") from None
    return temporary


def _sync_folder(folder: Path) -> None:
    """Make a rename or link in `folder` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def stage_master_key(master: MasterKeys, new_key: bytes) -> None:
    """Put `new_key` in the key file, keeping every key it replaces in `<file>.previous`.

    The previous keys are written first, so at every moment the two files together hold
    a key for every stored ciphertext, whichever side of the database commit we are on.
    """
    assert master.path is not None, "an environment key is rotated by the operator"
    write_key_file(previous_keys_path(master.path), [master.current, *master.previous])
    write_key_file(master.path, [new_key])


def drop_previous_master_keys(path: Path) -> None:
    """Forget the replaced keys, once nothing stored needs them."""
    previous_keys_path(path).unlink(missing_ok=True)
    _sync_folder(path.parent)


@contextlib.contextmanager
def rotation_lock(path: Path) -> Iterator[None]:
    """Hold the lock that lets one rotation at a time touch the key file.

    Raises:
        ConflictError: another rotation holds it.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot lock the master key file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError("another master key rotation is running") from None
        yield
    finally:
        os.close(descriptor)

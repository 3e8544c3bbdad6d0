"""The master key in a backup: left out unless asked for, since a backup holding both the
ciphertexts and their key defeats encryption at rest."""

import shutil
from dataclasses import dataclass
from pathlib import Path

from batchjudge.domain.errors import ConfigError, ConflictError
from batchjudge.judge0.master_key import master_key_path, previous_keys_path, write_key_file
from batchjudge.services.backup_manifest import Manifest, file_sha256
from batchjudge.settings import Settings

#: The key file's name in a backup, and its unfinished rotation's older keys.
KEY_FILE = "master.key"
PREVIOUS_KEYS_FILE = "master.key.previous"


def copy_master_key(settings: Settings, data_dir: Path, backup: Path) -> dict[str, str]:
    """Copy the master key file (and the older keys of an unfinished rotation) into
    `backup`, mode 0600.

    Returns:
        The SHA-256 of each copy, by its name in the backup.

    Raises:
        ConfigError: the key comes from `BATCHJUDGE_MASTER_KEY` (it lives in the
            operator's secret store, not on our disk), or there is no key file.
    """
    if settings.master_key is not None:
        raise ConfigError(
            "the master key comes from BATCHJUDGE_MASTER_KEY, so there is no key file to "
            "include: keep that key in your secret manager"
        )
    path = master_key_path(settings, data_dir)
    if not path.is_file():
        raise ConfigError(f"there is no master key file at {path}")
    sources = {KEY_FILE: path, PREVIOUS_KEYS_FILE: previous_keys_path(path)}
    files: dict[str, str] = {}
    for name, source in sources.items():
        if source.is_file():
            (backup / name).touch(mode=0o600, exist_ok=False)
            shutil.copyfile(source, backup / name)
            files[name] = file_sha256(backup / name)
    return files


@dataclass(frozen=True)
class KeyRestore:
    """What restoring a backup does with its master key.

    Attributes:
        destination: the key file to write, or None when nothing is written.
        note: what the operator should know (the key was left out, or is not used).
    """

    destination: Path | None
    note: str = ""


def plan_master_key(
    backup: Path, manifest: Manifest, settings: Settings, data_dir: Path, *, force: bool
) -> KeyRestore:
    """Decide, before anything changes, where the backup's master key goes.

    Raises:
        ConflictError: a different key file exists and `force` is off (replacing it
            would make what it encrypted unreadable).
    """
    if KEY_FILE not in manifest.files:
        return KeyRestore(
            None,
            "the backup holds no master key: the one in use must be the key it was made "
            "under, or stored Judge0 keys cannot be decrypted",
        )
    if settings.master_key is not None:
        return KeyRestore(
            None,
            f"BATCHJUDGE_MASTER_KEY is set, so the backup's key ({backup / KEY_FILE}) "
            "was not installed: it must be the same key",
        )
    destination = master_key_path(settings, data_dir)
    if destination.is_file() and file_sha256(destination) != manifest.files[KEY_FILE] and not force:
        raise ConflictError(
            f"the master key file {destination} differs from the backup's: restore with "
            "--force to replace it"
        )
    return KeyRestore(destination)


def install_master_key(backup: Path, manifest: Manifest, plan: KeyRestore) -> None:
    """Write the backup's key (and older keys) where `plan` says, atomically, mode 0600."""
    if plan.destination is None:
        return
    names = {KEY_FILE: plan.destination, PREVIOUS_KEYS_FILE: previous_keys_path(plan.destination)}
    for name, destination in names.items():
        if name in manifest.files:
            keys = (backup / name).read_text(encoding="ascii").split()
            write_key_file(destination, [key.encode() for key in keys])

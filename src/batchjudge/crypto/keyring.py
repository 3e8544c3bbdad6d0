"""The master keys a running process holds, re-read when the key file changes."""

import threading
import time
from collections.abc import Callable
from pathlib import Path

from batchjudge.crypto.derived_keys import KeyPurpose
from batchjudge.crypto.sealer import Sealer
from batchjudge.judge0.master_key import (
    MasterKeys,
    load_master_keys,
    master_key_path,
    previous_keys_path,
)
from batchjudge.settings import Settings

#: How often the key files are checked for a change. `keys rotate-master` waits longer
#: than this after staging a new key, so no process seals under the old key afterwards.
RELOAD_INTERVAL_S = 1.0

_Stamp = tuple[tuple[int, int] | None, ...]


class MasterKeyring:
    """Sealers of every purpose under the master keys in force.

    A rotation run by another process (`batchjudge keys rotate-master`) replaces the key
    file; the keyring notices within `RELOAD_INTERVAL_S` and seals under the new key from
    then on. Keys from `BATCHJUDGE_MASTER_KEY` change only with a restart.
    """

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._data_dir = data_dir
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = load_master_keys(settings, data_dir)
        self._stamp = self._file_stamp()
        self._checked_at = clock()
        self._sealers: dict[KeyPurpose, Sealer] = {}

    def keys(self) -> MasterKeys:
        """The master keys, re-read if the key files changed since the last check."""
        with self._lock:
            now = self._clock()
            if now - self._checked_at >= RELOAD_INTERVAL_S:
                self._checked_at = now
                stamp = self._file_stamp()
                if stamp != self._stamp:
                    self._keys = load_master_keys(self._settings, self._data_dir)
                    self._stamp = stamp
                    self._sealers.clear()
            return self._keys

    def sealer(self, purpose: KeyPurpose) -> Sealer:
        """The sealer for `purpose` under the keys in force."""
        keys = self.keys()
        with self._lock:
            sealer = self._sealers.get(purpose)
            if sealer is None:
                sealer = Sealer(purpose, keys.current, keys.previous)
                self._sealers[purpose] = sealer
            return sealer

    def reload_now(self) -> None:
        """Check the key files at the next use (after a value failed to open)."""
        with self._lock:
            self._checked_at = float("-inf")

    def _file_stamp(self) -> _Stamp:
        if self._settings.master_key is not None:
            return ()
        path = master_key_path(self._settings, self._data_dir)
        return tuple(_stamp_of(file) for file in (path, previous_keys_path(path)))


def _stamp_of(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_mtime_ns, info.st_ino)

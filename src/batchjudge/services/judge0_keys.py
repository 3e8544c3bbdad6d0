"""The Judge0 API-key pool in the database: the operator's add, list, retire and
master-key rotation, and `DatabaseKeyPool`, which leases the keys to the Judge0 backend.

No key ever leaves this module except inside a `KeyLease`: what is shown is `…` and the
last 4 characters, and what is stored is Fernet ciphertext under the master key.
"""

import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import sleep as pause

from sqlalchemy import case, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.crypto.derived_keys import KeyPurpose
from batchjudge.crypto.keyring import RELOAD_INTERVAL_S
from batchjudge.crypto.sealer import Sealer
from batchjudge.db.judge0 import Judge0ApiKey
from batchjudge.domain.errors import ConfigError, ConflictError, NotFoundError
from batchjudge.judge0.key_pool import KeyLease
from batchjudge.judge0.keys import KeyCipher, KeyUsage, pick_key
from batchjudge.judge0.master_key import (
    drop_previous_master_keys,
    load_key_cipher,
    load_master_keys,
    master_key_path,
    rotation_lock,
    stage_master_key,
)
from batchjudge.services.source_rotation import reseal_everything, reseal_in_batches
from batchjudge.settings import Settings

_log = logging.getLogger(__name__)

#: Calls a day a key may make when the operator does not say.
DEFAULT_DAILY_QUOTA = 100
#: Upper bound of `daily_quota`, far above any provider plan.
MAX_DAILY_QUOTA = 10_000_000
#: Labels appear in URLs and terminals: letters, digits, `.`, `_`, `-`.
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
#: Shorter keys would be mostly shown by their last 4 characters.
MIN_KEY_CHARS = 8
MAX_KEY_CHARS = 512

_LABEL = re.compile(LABEL_PATTERN)
_KEY = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces: what HTTP headers carry


def utc_day(moment: datetime) -> str:
    """The UTC day of `moment` as YYYY-MM-DD (daily use resets at UTC midnight)."""
    return moment.astimezone(UTC).date().isoformat()


def next_utc_midnight(moment: datetime) -> datetime:
    """When the UTC day after `moment` begins: a fair guess at a daily quota's reset."""
    return datetime.combine(moment.astimezone(UTC).date() + timedelta(days=1), time(), UTC)


def key_usage(row: Judge0ApiKey, now: datetime) -> KeyUsage:
    """What `row` has left at `now`: its daily quota minus today's use, capped by what the
    provider last reported today (`x-ratelimit-requests-remaining`)."""
    same_day = row.usage_day == utc_day(now)
    used = row.used_today if same_day else 0
    quota = row.daily_quota
    # A provider count is forgotten at midnight: if its plan is daily it reset, and if it
    # is monthly the next answer tells us again.
    if same_day and row.quota_remaining is not None:
        quota = min(quota, used + max(row.quota_remaining, 0))
    return KeyUsage(row.id, quota, used, row.exhausted_until, row.retired_at is not None)


def available_from(row: Judge0ApiKey, now: datetime) -> datetime | None:
    """When `row` can next be leased: `now` if it can be already, None once retired."""
    usage = key_usage(row, now)
    if usage.retired:
        return None
    if usage.remaining(now) > 0:
        return now
    moment = now
    if usage.exhausted_until is not None and usage.exhausted_until > now:
        moment = usage.exhausted_until
    if usage.daily_quota - usage.used_today <= 0:
        moment = max(moment, next_utc_midnight(now))
    return moment


@dataclass(frozen=True)
class KeyStatus:
    """A stored key as it may be shown: never the key, only `…` and its last 4 characters.

    Attributes:
        remaining: calls it may still make today (0 while exhausted or once retired).
        provider_remaining: the provider's last `x-ratelimit-requests-remaining` today.
        exhausted_until: set while a 429 rests the key.
    """

    label: str
    masked: str
    daily_quota: int
    used_today: int
    remaining: int
    provider_remaining: int | None
    exhausted_until: datetime | None
    retired_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


def key_status(row: Judge0ApiKey, now: datetime) -> KeyStatus:
    """How `row` stands at `now`."""
    usage = key_usage(row, now)
    same_day = row.usage_day == utc_day(now)
    resting = row.exhausted_until is not None and row.exhausted_until > now
    return KeyStatus(
        label=row.label,
        masked="…" + row.last4,
        daily_quota=row.daily_quota,
        used_today=usage.used_today,
        remaining=usage.remaining(now),
        provider_remaining=row.quota_remaining if same_day else None,
        exhausted_until=row.exhausted_until if resting else None,
        retired_at=row.retired_at,
        last_used_at=row.last_used_at,
        created_at=row.created_at,
    )


def _checked_key(secret: str) -> str:
    """`secret` without surrounding white space; errors never quote it."""
    key = secret.strip()
    if not key:
        raise ConfigError("the Judge0 key is empty")
    if not _KEY.fullmatch(key):
        raise ConfigError("the Judge0 key must be one word of printable ASCII characters")
    if not MIN_KEY_CHARS <= len(key) <= MAX_KEY_CHARS:
        raise ConfigError(f"the Judge0 key must have {MIN_KEY_CHARS} to {MAX_KEY_CHARS} characters")
    return key


def add_key(
    session: Session,
    cipher: KeyCipher,
    label: str,
    secret: str,
    daily_quota: int = DEFAULT_DAILY_QUOTA,
    now: datetime | None = None,
) -> KeyStatus:
    """Store `secret` encrypted under `label`.

    Raises:
        ConfigError: the label, key or quota is malformed.
        ConflictError: the label is taken (also by a retired key), or the key is stored
            already under another label (it would count one quota twice).
    """
    moment = now or datetime.now(UTC)
    if not _LABEL.fullmatch(label):
        raise ConfigError(
            f"the label {label!r} must be 1 to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if not 1 <= daily_quota <= MAX_DAILY_QUOTA:
        raise ConfigError(f"the daily quota must be between 1 and {MAX_DAILY_QUOTA}")
    key = _checked_key(secret)
    existing = session.scalars(select(Judge0ApiKey).where(Judge0ApiKey.label == label)).first()
    if existing is not None:
        retired = " (retired)" if existing.retired_at is not None else ""
        raise ConflictError(f"a Judge0 key labelled {label!r} exists already{retired}")
    # A process still holding a master key that was rotated since would add a key that
    # nothing else can decrypt; any stored key tells.
    newest = select(Judge0ApiKey.ciphertext).where(Judge0ApiKey.retired_at.is_(None))
    sample = session.scalars(newest.order_by(Judge0ApiKey.id.desc()).limit(1)).first()
    if sample is not None and not _decrypts(cipher, sample):
        raise ConfigError(
            "the master key in force does not decrypt the stored Judge0 keys (was it "
            "rotated by another process?); nothing was added"
        )
    twins = select(Judge0ApiKey).where(
        Judge0ApiKey.last4 == key[-4:], Judge0ApiKey.retired_at.is_(None)
    )
    for row in session.scalars(twins):
        if hmac.compare_digest(cipher.decrypt(row.ciphertext), key):
            raise ConflictError(f"this Judge0 key is stored already, labelled {row.label!r}")
    row = Judge0ApiKey(
        label=label,
        ciphertext=cipher.encrypt(key),
        last4=key[-4:],
        daily_quota=daily_quota,
        used_today=0,
        usage_day=utc_day(moment),
        created_at=moment,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # `from None`: the driver's message lists the statement's parameters.
        raise ConflictError(f"a Judge0 key labelled {label!r} exists already") from None
    _log.info("added Judge0 key %r (…%s)", label, row.last4)
    return key_status(row, moment)


def list_keys(session: Session, now: datetime | None = None) -> list[KeyStatus]:
    """Every stored key, oldest first, retired ones included."""
    moment = now or datetime.now(UTC)
    rows = session.scalars(select(Judge0ApiKey).order_by(Judge0ApiKey.id))
    return [key_status(row, moment) for row in rows]


def retire_key(session: Session, label: str, now: datetime | None = None) -> KeyStatus:
    """Stop using the key labelled `label` for good and erase its ciphertext; the label
    stays taken so the history reads right. Retiring twice changes nothing.

    Raises:
        NotFoundError: no key has that label.
    """
    moment = now or datetime.now(UTC)
    row = session.scalars(select(Judge0ApiKey).where(Judge0ApiKey.label == label)).first()
    if row is None:
        raise NotFoundError(f"there is no Judge0 key labelled {label!r}")
    if row.retired_at is None:
        row.retired_at = moment
        row.ciphertext = b""
        _log.info("retired Judge0 key %r (…%s)", label, row.last4)
    return key_status(row, moment)


@dataclass(frozen=True)
class Rotation:
    """What a master-key rotation did.

    Attributes:
        reencrypted: stored keys now encrypted under the new master key.
        path: the key file holding the new key; None when it came from the environment
            (then the operator was shown the new key and must set it).
        sources: submission sources and Judge0-API requests sealed under the new key.
    """

    reencrypted: int
    path: Path | None
    sources: int = 0


def rotate_master_key(
    sessions: sessionmaker[Session],
    settings: Settings,
    data_dir: Path,
    announce: Callable[[bytes], None] | None = None,
) -> Rotation:
    """Generate a new master key and re-encrypt every stored key under it, in one
    transaction; the order of steps leaves every key decryptable whenever it stops.

    With a key file: every row is re-encrypted (in the transaction, so a key we cannot
    decrypt stops everything with nothing changed); the replaced keys go to
    `<file>.previous` and the new key to the file; the transaction commits; then
    `<file>.previous` is dropped, once every row decrypts under the new key alone.

    With `BATCHJUDGE_MASTER_KEY`: the rows are re-encrypted, `announce` shows the new key
    to the operator, and only then does the transaction commit. If we stop in between,
    the old key still decrypts everything, which is why the operator is told to keep it
    in `BATCHJUDGE_MASTER_KEY_PREVIOUS` for a while.

    Raises:
        ConflictError: the key comes from the environment and there is no `announce`,
            or another rotation is running.
        ConfigError: a stored key does not decrypt, or the key file cannot be written.
    """
    master = load_master_keys(settings, data_dir)
    if master.from_environment:
        if announce is None:
            raise ConflictError(
                "the master key comes from BATCHJUDGE_MASTER_KEY, which batchjudge cannot "
                "change: run `batchjudge keys rotate-master` where that variable is set"
            )
        new_key = KeyCipher.new_master_key()
        olds = (master.current, *master.previous)
        with sessions.begin() as session:
            count = _reencrypt(session, KeyCipher(new_key, olds))
            # One transaction: cut short, nothing changed and the old key still opens all.
            sources = reseal_everything(
                session, Sealer(KeyPurpose.SUBMISSION_SOURCE, new_key, olds)
            )
            announce(new_key)
        _log.info("master key rotated; %d Judge0 keys and %d sources", count, sources)
        return Rotation(count, None, sources)
    path = master_key_path(settings, data_dir)
    with rotation_lock(path):
        master = load_master_keys(settings, data_dir)  # as it is now that we hold the lock
        new_key = KeyCipher.new_master_key()
        rotating = KeyCipher(new_key, (master.current, *master.previous))
        with sessions.begin() as session:
            count = _reencrypt(session, rotating)
            stage_master_key(master, new_key)
        # Running servers re-read the key files within RELOAD_INTERVAL_S; after this
        # pause none seals under the old key, so the passes below leave nothing behind.
        pause(2 * RELOAD_INTERVAL_S)
        # Sources are many, so they go in committed batches; the old keys stay in
        # `<file>.previous` until every batch is done, and a rerun after a crash skips
        # the rows already sealed under the new key.
        sources = reseal_in_batches(
            sessions,
            Sealer(KeyPurpose.SUBMISSION_SOURCE, new_key, (master.current, *master.previous)),
        )
        # A key added meanwhile under the old master key would be lost with the old
        # key, so catch it up before forgetting the old keys.
        with sessions.begin() as session:
            _reencrypt(session, rotating, unless_decrypts=KeyCipher(new_key))
        drop_previous_master_keys(path)
    _log.info("master key rotated; %d Judge0 keys and %d sources", count, sources)
    return Rotation(count, path, sources)


def _reencrypt(
    session: Session, cipher: KeyCipher, unless_decrypts: KeyCipher | None = None
) -> int:
    """Encrypt every stored key afresh under `cipher`'s current key; skip those that
    `unless_decrypts` can decrypt already. Returns how many were re-encrypted."""
    rows = session.scalars(
        select(Judge0ApiKey).where(Judge0ApiKey.retired_at.is_(None)).with_for_update()
    ).all()
    count = 0
    for row in rows:
        if unless_decrypts is not None and _decrypts(unless_decrypts, row.ciphertext):
            continue
        row.ciphertext = cipher.rotate(row.ciphertext)
        count += 1
    session.flush()
    return count


def _decrypts(cipher: KeyCipher, stored: bytes) -> bool:
    try:
        cipher.decrypt(stored)
    except ConfigError:
        return False
    return True


class DatabaseKeyPool:
    """The `KeyPool` over the `judge0_api_keys` table.

    `acquire` leases the active key with the most calls left today: its daily quota
    minus today's use (reset at UTC midnight), capped by the provider's last
    `x-ratelimit-requests-remaining`; keys resting after a 429 are skipped. A key is
    decrypted only when leased, and the plain text lives only in the lease.

    Example:
        pool = DatabaseKeyPool(sessions, load_key_cipher(settings, data_dir))
        lease = pool.acquire(now)            # None: every key is spent
        ... send the request with lease.secret ...
        pool.record_use(lease, remaining_header, now)   # or, on a 429:
        pool.mark_exhausted(lease, reset_time)
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cipher: KeyCipher,
        *,
        reload_cipher: Callable[[], KeyCipher] | None = None,
    ) -> None:
        """`reload_cipher` is asked for the cipher again when a stored key does not
        decrypt, as happens after `keys rotate-master` in another process."""
        self._sessions = sessions
        self._cipher = cipher
        self._reload_cipher = reload_cipher

    @classmethod
    def from_settings(
        cls, sessions: sessionmaker[Session], settings: Settings, data_dir: Path
    ) -> "DatabaseKeyPool":
        """A pool whose master key follows the key file (or the environment).

        Raises:
            ConfigError: the master key cannot be loaded (see `load_master_keys`).
        """
        return cls(
            sessions,
            load_key_cipher(settings, data_dir),
            reload_cipher=lambda: load_key_cipher(settings, data_dir),
        )

    def acquire(self, now: datetime) -> KeyLease | None:
        """The key with the most calls left, or None when every key is spent or resting.

        Raises:
            ConfigError: the chosen key does not decrypt with the master key.
        """
        with self._sessions() as session:
            rows = {
                row.id: row
                for row in session.scalars(
                    select(Judge0ApiKey).where(Judge0ApiKey.retired_at.is_(None))
                )
            }
            chosen = pick_key((key_usage(row, now) for row in rows.values()), now)
            if chosen is None:
                return None
            row = rows[chosen.key_id]
            secret = self._decrypt(row.ciphertext)
            _log.debug(
                "leasing Judge0 key %r (…%s), %d calls left",
                row.label,
                row.last4,
                chosen.remaining(now),
            )
            return KeyLease(row.id, secret)

    def _decrypt(self, stored: bytes) -> str:
        try:
            return self._cipher.decrypt(stored)
        except ConfigError:
            if self._reload_cipher is None:
                raise
        self._cipher = self._reload_cipher()
        return self._cipher.decrypt(stored)

    def record_use(self, lease: KeyLease, remaining: int | None, now: datetime) -> None:
        """Count one call made with `lease` today and keep the provider's count, if any."""
        if lease.key_id is None:
            return
        today = utc_day(now)
        same_day = Judge0ApiKey.usage_day == today
        provider = (
            max(remaining, 0)
            if remaining is not None
            else case((same_day, Judge0ApiKey.quota_remaining), else_=null())
        )
        # One UPDATE, so concurrent workers never lose a count.
        statement = (
            update(Judge0ApiKey)
            .where(Judge0ApiKey.id == lease.key_id)
            .values(
                used_today=case((same_day, Judge0ApiKey.used_today + 1), else_=1),
                usage_day=today,
                quota_remaining=provider,
                last_used_at=now,
            )
        )
        with self._sessions.begin() as session:
            session.execute(statement)

    def mark_exhausted(self, lease: KeyLease, until: datetime) -> None:
        """Rest the key until `until` (never shortening a longer rest)."""
        if lease.key_id is None:
            return
        column = Judge0ApiKey.exhausted_until
        statement = (
            update(Judge0ApiKey)
            .where(Judge0ApiKey.id == lease.key_id)
            .where(column.is_(None) | (column < until))
            .values(exhausted_until=until)
        )
        with self._sessions.begin() as session:
            session.execute(statement)
            row = session.get(Judge0ApiKey, lease.key_id)
            if row is not None:
                _log.info(
                    "Judge0 key %r (…%s) is out of quota until %s",
                    row.label,
                    row.last4,
                    until.isoformat(),
                )

    def next_available(self, now: datetime) -> datetime | None:
        """When the first key can be leased again: `now` if one can already, None when
        there is no active key at all."""
        with self._sessions() as session:
            rows = session.scalars(select(Judge0ApiKey).where(Judge0ApiKey.retired_at.is_(None)))
            moments = [moment for row in rows if (moment := available_from(row, now))]
        return min(moments, default=None)

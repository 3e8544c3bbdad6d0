"""Admin endpoints for the Judge0 API keys; answers show a key only as `…` + last 4."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, SecretStr

from batchjudge.db.accounts import Role
from batchjudge.domain.errors import ConfigError
from batchjudge.judge0.master_key import MasterKeys, load_master_keys
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.client_address import client_ip
from batchjudge.service.errors import ApiError
from batchjudge.services.actor import Actor
from batchjudge.services.audited_judge0_keys import add_key, record_rotation, retire_key
from batchjudge.services.judge0_keys import (
    DEFAULT_DAILY_QUOTA,
    LABEL_PATTERN,
    MAX_DAILY_QUOTA,
    MAX_KEY_CHARS,
    MIN_KEY_CHARS,
    KeyStatus,
    list_keys,
    rotate_master_key,
)

router = APIRouter(prefix="/api/v1/admin/judge0-keys", tags=["admin"])


class Judge0KeyIn(BaseModel):
    """A key to store; `key` is write-only."""

    label: str = Field(pattern=LABEL_PATTERN, max_length=100)
    key: SecretStr = Field(min_length=MIN_KEY_CHARS, max_length=MAX_KEY_CHARS)
    daily_quota: int = Field(default=DEFAULT_DAILY_QUOTA, ge=1, le=MAX_DAILY_QUOTA)


class Judge0KeyOut(BaseModel):
    """A stored key; `key` is `…` and its last 4 characters, never more."""

    label: str
    key: str
    daily_quota: int
    used_today: int
    remaining: int
    provider_remaining: int | None
    exhausted_until: datetime | None
    retired: bool
    retired_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class RotationOut(BaseModel):
    """What a master-key rotation did: Judge0 keys re-encrypted, and submission sources
    and Judge0-API requests sealed under the new key."""

    reencrypted: int
    sources: int


def _key_out(status: KeyStatus) -> Judge0KeyOut:
    return Judge0KeyOut(
        label=status.label,
        key=status.masked,
        daily_quota=status.daily_quota,
        used_today=status.used_today,
        remaining=status.remaining,
        provider_remaining=status.provider_remaining,
        exhausted_until=status.exhausted_until,
        retired=status.retired_at is not None,
        retired_at=status.retired_at,
        last_used_at=status.last_used_at,
        created_at=status.created_at,
    )


def _master_keys(state: State) -> MasterKeys:
    """The master keys, or 503: a missing or unsafe key is the server's problem."""
    try:
        return load_master_keys(state.settings, state.data_dir)
    except ConfigError as exc:
        raise ApiError(503, "master_key_unavailable", str(exc)) from None


@router.get("")
def list_judge0_keys(state: State, user: CurrentUser) -> list[Judge0KeyOut]:
    """Every Judge0 key, retired ones included, with today's use."""
    require_role(user, Role.ADMIN)
    with state.sessions() as session:
        return [_key_out(status) for status in list_keys(session)]


@router.post("", status_code=201)
def add_judge0_key(
    request: Request, state: State, user: CurrentUser, body: Judge0KeyIn
) -> Judge0KeyOut:
    """Store a Judge0 key, encrypted under the master key."""
    require_role(user, Role.ADMIN)
    cipher = _master_keys(state).cipher()
    actor = Actor(user.id, client_ip(request), "api")
    secret = body.key.get_secret_value()
    with state.sessions.begin() as session:
        status = add_key(session, actor, cipher, body.label, secret, body.daily_quota)
    return _key_out(status)


@router.post("/rotate-master")
def rotate_master(request: Request, state: State, user: CurrentUser) -> RotationOut:
    """Re-encrypt every key under a new master key (only when it lives in the key file)."""
    require_role(user, Role.ADMIN)
    if _master_keys(state).from_environment:
        raise ApiError(
            409,
            "master_key_from_environment",
            "the master key comes from BATCHJUDGE_MASTER_KEY, which the service cannot "
            "change: run `batchjudge keys rotate-master` where that variable is set",
        )
    rotation = rotate_master_key(state.sessions, state.settings, state.data_dir)
    with state.sessions.begin() as session:
        record_rotation(session, Actor(user.id, client_ip(request), "api"), rotation.reencrypted)
    return RotationOut(reencrypted=rotation.reencrypted, sources=rotation.sources)


@router.post("/{label}/retire")
def retire_judge0_key(
    request: Request, state: State, user: CurrentUser, label: str
) -> Judge0KeyOut:
    """Stop using a key for good and erase its encrypted copy (the label stays taken)."""
    require_role(user, Role.ADMIN)
    with state.sessions.begin() as session:
        return _key_out(retire_key(session, Actor(user.id, client_ip(request), "api"), label))

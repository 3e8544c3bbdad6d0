"""Judge0 key changes with their audit entries: added, retired, master key rotated.

Entries name a key by its label and never hold the key, not even its last 4 characters.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchjudge.db.judge0 import Judge0ApiKey
from batchjudge.judge0.keys import KeyCipher
from batchjudge.services import judge0_keys
from batchjudge.services.actor import Actor
from batchjudge.services.audit import AuditAction, record
from batchjudge.services.judge0_keys import DEFAULT_DAILY_QUOTA, KeyStatus


def add_key(
    session: Session,
    actor: Actor,
    cipher: KeyCipher,
    label: str,
    secret: str,
    daily_quota: int = DEFAULT_DAILY_QUOTA,
) -> KeyStatus:
    """`judge0_keys.add_key`, audited."""
    status = judge0_keys.add_key(session, cipher, label, secret, daily_quota)
    record(
        session,
        AuditAction.JUDGE0_KEY_ADDED,
        actor_id=actor.user_id,
        target=f"judge0_key:{label}",
        details={"via": actor.via, "daily_quota": daily_quota},
        ip=actor.ip,
    )
    return status


def retire_key(session: Session, actor: Actor, label: str) -> KeyStatus:
    """`judge0_keys.retire_key`, audited when it retires (retiring twice logs once)."""
    live = select(Judge0ApiKey.id).where(
        Judge0ApiKey.label == label, Judge0ApiKey.retired_at.is_(None)
    )
    was_live = session.scalars(live).first() is not None
    status = judge0_keys.retire_key(session, label)
    if was_live:
        record(
            session,
            AuditAction.JUDGE0_KEY_RETIRED,
            actor_id=actor.user_id,
            target=f"judge0_key:{label}",
            details={"via": actor.via},
            ip=actor.ip,
        )
    return status


def record_rotation(session: Session, actor: Actor, reencrypted: int) -> None:
    """Log a finished master-key rotation. The rotation commits its own transactions (it
    must stay restartable), so its entry follows in one of its own."""
    record(
        session,
        AuditAction.MASTER_KEY_ROTATED,
        actor_id=actor.user_id,
        target="master_key",
        details={"via": actor.via, "reencrypted": reencrypted},
        ip=actor.ip,
    )

"""Audit entries for problem packages: uploads of new problems and new versions."""

from sqlalchemy.orm import Session

from batchjudge.services.actor import Actor
from batchjudge.services.audit import AuditAction, record
from batchjudge.services.problems import ImportedProblem


def record_upload(session: Session, actor: Actor, imported: ImportedProblem) -> None:
    """Log an upload in the transaction that imported it."""
    record(
        session,
        AuditAction.PROBLEM_UPLOADED,
        actor_id=actor.user_id,
        target=f"problem:{imported.problem_id}",
        details={
            "via": actor.via,
            "version": imported.version,
            "name": imported.name[:200],
            "tests": imported.tests,
        },
        ip=actor.ip,
    )

"""Everything held about one user, as one JSON-ready document (a privacy export).

The document holds the user's data and never a secret: no password hash (only whether
one is set), no token or session hash, no CSRF token. Sources come out readable, opened
through `submission_source`, the one place that knows how they are stored.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from batchjudge.db.abuse import AbuseFlag
from batchjudge.db.accounts import ApiToken, User
from batchjudge.db.audit import AuditEvent
from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.monitoring import Feedback, MetricsReset
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, TestResult
from batchjudge.db.web import OnboardingEvent, WebSession
from batchjudge.domain.errors import NotFoundError
from batchjudge.services.sealed_text import open_text

#: Names the document's layout; a change of layout changes it.
EXPORT_FORMAT = "batchjudge-privacy-export/1"

Document = dict[str, Any]


def submission_source(session: Session, row: Submission) -> str:
    """A submission's source as the student wrote it, whether stored sealed or plain."""
    return open_text(session, row.source, row.source_sealed)


def judge0_request_text(session: Session, row: Judge0Submission) -> str:
    """A Judge0-API submission's request JSON, whether stored sealed or plain."""
    return open_text(session, row.request, row.request_sealed)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def collect_user_data(session: Session, user_id: int) -> Document:
    """The export of user `user_id`.

    Raises:
        NotFoundError: no such user.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"there is no user {user_id}")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "user": _user(user),
        "api_tokens": _tokens(session, user_id),
        "web_sessions": _web_sessions(session, user_id),
        "submissions": _submissions(session, user_id),
        "feedback": _feedback(session, user_id),
        "onboarding_events": _onboarding(session, user_id),
        "judge0_submissions": _judge0_submissions(session, user_id),
        "abuse_flags": _abuse_flags(session, user_id),
        "problems_owned": _problems(session, user_id),
        "metrics_resets": _resets(session, user_id),
        "audit_entries": _audit(session, user_id),
    }


def _user(user: User) -> Document:
    institution = user.institution
    return {
        "id": user.id,
        "name": user.name,
        "role": str(user.role),
        "active": user.active,
        "created_at": _iso(user.created_at),
        "has_password": user.password_hash is not None,
        "institution": None
        if institution is None
        else {"id": institution.id, "name": institution.name},
    }


def _tokens(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    )
    return [
        {
            "id": row.id,
            "label": row.label,
            "last4": row.last4,
            "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at),
            "revoked_at": _iso(row.revoked_at),
            "last_used_at": _iso(row.last_used_at),
        }
        for row in rows
    ]


def _web_sessions(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(WebSession).where(WebSession.user_id == user_id).order_by(WebSession.id)
    )
    return [
        {
            "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at),
            "last_seen_at": _iso(row.last_seen_at),
        }
        for row in rows
    ]


def _submissions(session: Session, user_id: int) -> list[Document]:
    query = (
        select(Submission, ProblemVersion)
        .join(ProblemVersion, Submission.problem_version_id == ProblemVersion.id)
        .where(Submission.user_id == user_id)
        .order_by(Submission.id)
    )
    documents = []
    for row, version in session.execute(query):
        documents.append(
            {
                "id": row.id,
                "problem_id": version.problem_id,
                "problem_version": version.version,
                "problem_name": version.name,
                "language": row.language,
                "style": row.style,
                "mode": row.mode,
                "source": submission_source(session, row),
                "status": str(row.status),
                "verdict": row.verdict,
                "message": row.message,
                "compile_ok": row.compile_ok,
                "compile_output": row.compile_output,
                "compile_time_s": row.compile_time_s,
                "attempts": row.attempts,
                "created_at": _iso(row.created_at),
                "started_at": _iso(row.started_at),
                "finished_at": _iso(row.finished_at),
                "results": _results(session, row.id),
                "executions": _executions(session, row.id),
            }
        )
    return documents


def _results(session: Session, submission_id: int) -> list[Document]:
    rows = session.scalars(
        select(TestResult)
        .where(TestResult.submission_id == submission_id)
        .order_by(TestResult.position)
    )
    return [
        {
            "position": row.position,
            "name": row.name,
            "verdict": row.verdict,
            "time_s": row.time_s,
            "memory_kb": row.memory_kb,
            "message": row.message,
            "output_preview": row.output_preview,
        }
        for row in rows
    ]


def _executions(session: Session, submission_id: int) -> list[Document]:
    rows = session.scalars(
        select(Execution).where(Execution.submission_id == submission_id).order_by(Execution.id)
    )
    return [
        {
            "kind": row.kind,
            "backend": row.backend,
            "tests_covered": row.tests_covered,
            "duration_s": row.duration_s,
            "outcome": row.outcome,
            "created_at": _iso(row.created_at),
        }
        for row in rows
    ]


def _feedback(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(Feedback).where(Feedback.user_id == user_id).order_by(Feedback.id)
    )
    return [
        {
            "submission_id": row.submission_id,
            "rating": row.rating,
            "comment": row.comment,
            "created_at": _iso(row.created_at),
            "updated_at": _iso(row.updated_at),
        }
        for row in rows
    ]


def _onboarding(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(OnboardingEvent)
        .where(OnboardingEvent.user_id == user_id)
        .order_by(OnboardingEvent.id)
    )
    return [
        {
            "tour": row.tour,
            "action": str(row.action),
            "step": row.step,
            "created_at": _iso(row.created_at),
        }
        for row in rows
    ]


def _judge0_submissions(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(Judge0Submission)
        .where(Judge0Submission.user_id == user_id)
        .order_by(Judge0Submission.id)
    )
    return [
        {
            "token": row.token,
            "language_id": row.language_id,
            "status_id": row.status_id,
            "request": json.loads(judge0_request_text(session, row)),
            "result": json.loads(row.result) if row.result is not None else None,
            "attempts": row.attempts,
            "created_at": _iso(row.created_at),
            "finished_at": _iso(row.finished_at),
        }
        for row in rows
    ]


def _abuse_flags(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(AbuseFlag).where(AbuseFlag.user_id == user_id).order_by(AbuseFlag.id)
    )
    return [
        {
            "signal": row.signal,
            "detail": row.detail,
            "created_at": _iso(row.created_at),
            "blocked_until": _iso(row.blocked_until),
            "cleared_at": _iso(row.cleared_at),
        }
        for row in rows
    ]


def _problems(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(select(Problem).where(Problem.owner_id == user_id).order_by(Problem.id))
    return [
        {
            "id": row.id,
            "created_at": _iso(row.created_at),
            "versions": [{"version": v.version, "name": v.name} for v in row.versions],
        }
        for row in rows
    ]


def _resets(session: Session, user_id: int) -> list[Document]:
    rows = session.scalars(
        select(MetricsReset).where(MetricsReset.user_id == user_id).order_by(MetricsReset.id)
    )
    return [{"reset_at": _iso(row.reset_at), "note": row.note} for row in rows]


def _audit(session: Session, user_id: int) -> list[Document]:
    """Entries where the user acted, or which name them as their target."""
    rows = session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.actor_id == user_id, AuditEvent.target == f"user:{user_id}"))
        .order_by(AuditEvent.id)
    )
    return [
        {
            "id": row.id,
            "created_at": _iso(row.created_at),
            "action": row.action,
            "actor_id": row.actor_id,
            "target": row.target,
            "details": json.loads(row.details),
            "ip": row.ip,
        }
        for row in rows
    ]

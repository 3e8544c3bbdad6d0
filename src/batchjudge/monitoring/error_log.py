"""Unexpected exceptions, kept for admins: the newest `keep` in `error_events`, counted."""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.monitoring import ErrorEvent
from batchjudge.monitoring.redaction import redact

_log = logging.getLogger(__name__)

#: How many errors are kept; older ones are deleted as new ones arrive.
KEEP_ERRORS = 100
#: Longest traceback stored, in characters (the end is kept: it names the failure).
_MAX_TRACEBACK = 20_000


@dataclass(frozen=True)
class CapturedError:
    """One stored error as admins see it."""

    id: int
    occurred_at: datetime
    kind: str
    message: str
    traceback: str
    context: str
    request_id: str


def _kind(exc: BaseException) -> str:
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    return name[:200]


class ErrorLog:
    """Stores unexpected exceptions (stack trace included, secrets redacted) and counts
    them through `count(where)`.

    Example:
        errors = ErrorLog(sessions, count=metrics.count_unexpected_error)
        try: ...
        except Exception as exc:
            errors.record(exc, "grading", context="submission 12")
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        count: Callable[[str], None] | None = None,
        keep: int = KEEP_ERRORS,
    ) -> None:
        self._sessions = sessions
        self._count = count
        self._keep = keep

    def record(
        self, exc: BaseException, where: str, context: str = "", request_id: str = ""
    ) -> None:
        """Count and store `exc`, raised in `where` (`api`, `grading`); never raises."""
        if self._count is not None:
            self._count(where)
        text = "".join(traceback.format_exception(exc))
        row = ErrorEvent(
            kind=_kind(exc),
            message=redact(str(exc))[:2000],
            traceback=redact(text)[-_MAX_TRACEBACK:],
            context=redact(f"{where}: {context}" if context else where)[:300],
            request_id=request_id[:64],
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                self._trim(session)
        except SQLAlchemyError as db_error:
            # The error itself was logged where it happened; this one says why it is lost.
            _log.warning("cannot store an error event: %s", str(db_error).splitlines()[0])

    def _trim(self, session: Session) -> None:
        boundary = session.scalar(
            select(ErrorEvent.id).order_by(ErrorEvent.id.desc()).offset(self._keep).limit(1)
        )
        if boundary is not None:
            session.execute(delete(ErrorEvent).where(ErrorEvent.id <= boundary))

    def crash_hook(self, where: str) -> Callable[[BaseException, str], None]:
        """`record` bound to `where`, for code that reports `(exception, context)`."""

        def hook(exc: BaseException, context: str) -> None:
            self.record(exc, where, context)

        return hook

    def recent(self, limit: int = KEEP_ERRORS) -> list[CapturedError]:
        """The newest `limit` errors, newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(ErrorEvent).order_by(ErrorEvent.id.desc()).limit(limit)
            ).all()
            return [
                CapturedError(
                    id=row.id,
                    occurred_at=row.occurred_at,
                    kind=row.kind,
                    message=row.message,
                    traceback=row.traceback,
                    context=row.context,
                    request_id=row.request_id,
                )
                for row in rows
            ]

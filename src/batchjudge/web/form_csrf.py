"""Checking the CSRF token a page's plain form posts against its session's."""

from fastapi import Request

from batchjudge.service.state import ServiceState
from batchjudge.services.web_sessions import SESSION_COOKIE, csrf_matches, find_session


def form_csrf_ok(request: Request, state: ServiceState, offered: str) -> bool:
    """Whether `offered` (the form's `csrf_token`) is the CSRF token of the session the
    request's cookie belongs to; a form posted from another site cannot know it."""
    token = request.cookies.get(SESSION_COOKIE, "")
    with state.sessions() as session:
        row = find_session(session, token) if token else None
        return row is not None and csrf_matches(row, offered)

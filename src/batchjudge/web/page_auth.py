"""Who is looking at a page: the signed-in user of the session cookie, and the CSRF token
the page's forms and scripts must send back."""

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from batchjudge.db.accounts import Role, User
from batchjudge.domain.errors import BatchjudgeError, PermissionDeniedError
from batchjudge.service.auth import State
from batchjudge.services.web_sessions import SESSION_COOKIE, find_session


class SignInRequiredError(BatchjudgeError):
    """The page needs a signed-in user; the app answers with a redirect to sign in."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True)
class Viewer:
    """The signed-in user (detached) and their session's CSRF token."""

    user: User
    csrf_token: str

    def sent_csrf(self, offered: str) -> bool:
        """Whether a posted form's `csrf_token` is this session's (compared in constant
        time): a form posted from another site cannot know it."""
        return bool(offered) and hmac.compare_digest(offered, self.csrf_token)

    @property
    def is_staff(self) -> bool:
        return self.user.role in (Role.TEACHER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN


def optional_viewer(request: Request, state: State) -> Viewer | None:
    """The viewer, or None when nobody is signed in (or the session ended)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with state.sessions.begin() as session:
        row = find_session(session, token)
        if row is None:
            return None
        user = row.user
        session.expunge(user)
        return Viewer(user, row.csrf_token)


def viewer(request: Request, state: State) -> Viewer:
    """The viewer; anyone else is sent to sign in, and back here afterwards."""
    found = optional_viewer(request, state)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequiredError(quote(target, safe="/?=&"))
    return found


def require_page_role(who: Viewer, *roles: Role) -> None:
    """PermissionDeniedError unless the viewer has one of `roles`."""
    if who.user.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise PermissionDeniedError(f"this page needs the {allowed} role")


OptionalViewer = Annotated[Viewer | None, Depends(optional_viewer)]
PageViewer = Annotated[Viewer, Depends(viewer)]

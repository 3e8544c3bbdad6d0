"""The admin pages' form posts: the CSRF check, and the notice a page shows after a form
redirected to it (post, redirect, get: a reload does not post again)."""

from fastapi.responses import RedirectResponse

from batchjudge.domain.errors import PermissionDeniedError
from batchjudge.web.page_auth import Viewer

#: What the page says after each action (`?done=<code>`); an unknown code says nothing,
#: so a crafted link cannot put words on the page.
NOTICES = {
    "institution": "Institution created.",
    "role": "Role changed.",
    "deactivated": "Account deactivated: its tokens and browser sessions stop working.",
    "reactivated": "Account reactivated.",
    "password": "Password set. Their browser sessions were signed out.",
    "revoked": "Token revoked: it stops working at once.",
    "key-added": "Judge0 key added.",
    "key-retired": "Judge0 key retired: it is no longer used, and its encrypted copy is erased.",
    "abuse-cleared": "Flag cleared: the user may submit again.",
}


class ExpiredFormError(PermissionDeniedError):
    """The form's CSRF token is not the session's: forged, or from an older session."""


def check_csrf(who: Viewer, offered: str) -> None:
    """ExpiredFormError unless `offered` is the viewer's CSRF token."""
    if not who.sent_csrf(offered):
        raise ExpiredFormError("the form had expired: reload the page and try again")


def notice(code: str | None) -> str | None:
    """The message of a `?done=` code, or None."""
    return NOTICES.get(code or "")


def done(path: str, code: str, anchor: str = "") -> RedirectResponse:
    """A 303 to `path` that shows the notice `code` (scrolled to `anchor`)."""
    assert code in NOTICES
    target = f"{path}?done={code}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303)

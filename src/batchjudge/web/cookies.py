"""The web UI's cookies: HttpOnly, SameSite=Lax, and Secure whenever the request came
over TLS (directly, or through a proxy uvicorn trusts)."""

from fastapi import Request, Response

from batchjudge.services.web_sessions import IDLE_LIFETIME, SESSION_COOKIE

#: The double-submit cookie of the sign-in form, which has no session yet.
SIGN_IN_CSRF_COOKIE = "bj_signin_csrf"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, SESSION_COOKIE, token, int(IDLE_LIFETIME.total_seconds()))


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")

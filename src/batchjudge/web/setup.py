"""Wiring the web UI into the app: static files, page routers, the sign-in redirect, and
errors shown as pages to browsers."""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from batchjudge.service.errors import ErrorAnswer, install_error_handlers
from batchjudge.web.guide import mount_guide
from batchjudge.web.page_auth import SignInRequiredError, optional_viewer
from batchjudge.web.rendering import render
from batchjudge.web.routes import admin, api_docs, onboarding, signin, student, teacher
from batchjudge.web.templating import STATIC_DIR

#: Paths that are not pages: their errors keep the JSON shape whatever asked.
_NOT_PAGES = ("/api/", "/judge0", "/metrics", "/static/", "/docs", "/redoc", "/openapi.json")
_TITLES = {
    401: "Please sign in",
    403: "Not for you",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    422: "That did not work",
    429: "Please wait",
    500: "Something broke",
    503: "Unavailable",
}


def _error_page(request: Request, answer: ErrorAnswer) -> Response | None:
    """An HTML error page for a browser asking for a page; None for anything else."""
    if request.url.path.startswith(_NOT_PAGES):
        return None
    if "text/html" not in request.headers.get("accept", ""):
        return None
    try:
        who = optional_viewer(request, request.app.state.service)
    except Exception:  # the database may be what failed; the page is still shown
        who = None
    title = _TITLES.get(answer.status, "That did not work")
    page = render(request, "error.html", who, answer.status, title=title, message=answer.message)
    page.headers.update(answer.headers)  # Retry-After tells a browser when to come back
    return page


def install_web(app: FastAPI) -> None:
    """Error handling (JSON for the API, pages for browsers), the pages, `/static` and
    the guide at `/guide`."""
    install_error_handlers(app, pages=_error_page)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    mount_guide(app)
    for module in (signin, student, teacher, admin, onboarding, api_docs):
        app.include_router(module.router)

    async def sign_in_first(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequiredError)
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)

    app.add_exception_handler(SignInRequiredError, sign_in_first)

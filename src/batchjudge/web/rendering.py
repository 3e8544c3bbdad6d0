"""Rendering a page: the template, the viewer, and the headers every page gets."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from batchjudge.service.auth import service_state
from batchjudge.web.page_auth import Viewer

#: Pages load scripts, styles and data from this server only. CodeMirror and Chart.js
#: set inline styles, hence 'unsafe-inline' for styles (never for scripts).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(
    request: Request,
    template: str,
    who: Viewer | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """`template` rendered for `who`, with the page headers."""
    templates = service_state(request).templates
    response = templates.TemplateResponse(
        request,
        template,
        {"viewer": who, **context},
        status_code=status_code,
        headers=PAGE_HEADERS,
    )
    assert isinstance(response, HTMLResponse)
    return response

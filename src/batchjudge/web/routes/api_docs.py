"""The OpenAPI UI at `/docs`, from the Swagger UI files `make install` builds, so the page
loads nothing from another host."""

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs() -> HTMLResponse:
    """Swagger UI over `/openapi.json`."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="batchjudge API",
        swagger_js_url="/static/build/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/build/swagger/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )

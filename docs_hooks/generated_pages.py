"""mkdocs hook: the REST and configuration reference pages, generated from the code at
every build so they cannot drift from it.

mkdocs puts this file's folder on sys.path while it loads the hook, so the renderers
beside it import as top-level modules.
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from openapi_markdown import EXCLUDED_PREFIX, render_rest_reference, role_remark
from settings_markdown import render_configuration

from batchjudge.service.app import create_app
from batchjudge.service.auth import current_user
from batchjudge.services.web_sessions import CSRF_HEADER, SESSION_COOKIE
from batchjudge.settings import Settings

REST_PAGE = "reference/rest-api.md"
CONFIGURATION_PAGE = "reference/configuration.md"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages to the site."""
    files.append(File.generated(config, REST_PAGE, content=rest_reference()))
    files.append(File.generated(config, CONFIGURATION_PAGE, content=configuration_reference()))
    return files


def rest_reference() -> str:
    """The REST reference of the real app. Building the app and its schema opens no
    database and no data dir: those belong to the lifespan, which never runs here."""
    app = create_app(Settings())
    return render_rest_reference(
        app.openapi(), signed_in_operations(app), cookie=SESSION_COOKIE, csrf_header=CSRF_HEADER
    )


def configuration_reference() -> str:
    """The configuration reference; a Settings field missing from the docstring fails."""
    return render_configuration(Settings)


def signed_in_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path) of the documented routes that need a signed-in user: those that
    depend on `current_user`, and those whose description names the roles they check
    in their body (the monitoring figures authenticate there, to save a thread hop)."""
    found = set()
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        path = route.path or ""
        if dependant is None or path.startswith(EXCLUDED_PREFIX):
            continue
        description = getattr(route, "description", "") or ""
        if current_user in set(_calls(dependant)) or role_remark(path, description):
            found |= {(method, path) for method in route.methods or ()}
    return found


def _calls(dependant: Any) -> Iterator[object]:
    yield dependant.call
    for child in dependant.dependencies:
        yield from _calls(child)

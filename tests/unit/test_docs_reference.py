"""The guide's generated pages (docs_hooks/): the REST reference covers the app's real
OpenAPI, and the configuration reference every setting, or the build fails."""

import importlib
import inspect
import re
import sys
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from pydantic import SecretStr

from batchjudge.monitoring.alerting.defaults import load_rules
from batchjudge.service.app import create_app
from batchjudge.settings import Environment, Settings, load_settings

DOCS_HOOKS = Path(__file__).resolve().parents[2] / "docs_hooks"


def _hook_module(name: str) -> ModuleType:
    """A module of docs_hooks/, imported the way mkdocs does (its folder on sys.path)."""
    if str(DOCS_HOOKS) not in sys.path:
        sys.path.insert(0, str(DOCS_HOOKS))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return create_app(Settings()).openapi()


@pytest.fixture(scope="module")
def rest_page() -> str:
    page: str = _hook_module("generated_pages").rest_reference()
    return page


@pytest.fixture(scope="module")
def configuration_page() -> str:
    page: str = _hook_module("generated_pages").configuration_reference()
    return page


def _section(page: str, heading: str) -> str:
    """The text from `heading` to the next heading of any level."""
    start = page.index(heading)
    following = re.search(r"^#{1,6} ", page[start + len(heading) :], re.MULTILINE)
    end = start + len(heading) + following.start() if following else len(page)
    return page[start:end]


def _operation(page: str, method: str, path: str) -> str:
    return _section(page, f"### `{method} {path}`")


def test_every_route_outside_judge0_is_in_the_rest_reference(
    openapi: dict[str, Any], rest_page: str
):
    routes = [
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        if not path.startswith("/judge0")
        for method in item
    ]
    assert len(routes) > 40
    missing = [f"{m} {p}" for m, p in routes if f"### `{m} {p}`" not in rest_page]
    assert missing == []
    assert "`POST /judge0/submissions`" not in rest_page
    assert "(../judge0-api.md)" in rest_page


def test_every_component_schema_is_listed_once_with_its_fields(
    openapi: dict[str, Any], rest_page: str
):
    for name, schema in openapi["components"]["schemas"].items():
        heading = f"### {name} {{#schema-{name.lower()}}}"
        assert rest_page.count(heading) == 1, name
        section = _section(rest_page, heading)
        for field in schema.get("properties", {}):
            assert f"| `{field}` |" in section, (name, field)
        for value in schema.get("enum", []):
            assert f"`{value}`" in section, (name, value)


def test_an_operation_shows_its_parameters_body_and_responses(rest_page: str):
    listing = _operation(rest_page, "GET", "/api/v1/submissions")
    assert "| `limit` | query | integer | no | `50` | ≥ 1, ≤ 200. |" in listing
    assert "| 200 | Successful Response | array of [SubmissionOut](#schema-submissionout)" in (
        listing
    )
    create = _operation(rest_page, "POST", "/api/v1/submissions")
    assert "Request body (`application/json`, required): [SubmissionIn]" in create
    assert "| `source` | string | yes |" in create
    assert "| 202 |" in create
    assert "429 (with Retry-After)" in create  # the description, line wraps undone


def test_sign_in_and_roles_follow_the_routes(rest_page: str):
    def access(method: str, path: str) -> str:
        found = re.search(
            r"^\*\*(?:Sign-in required|No sign-in)\*\*.*$",
            _operation(rest_page, method, path),
            re.MULTILINE,
        )
        assert found is not None
        return found[0]

    assert access("GET", "/api/v1/monitoring/health") == "**No sign-in**"
    assert access("GET", "/metrics") == "**No sign-in**"
    assert access("GET", "/api/v1/me") == "**Sign-in required**"
    assert access("GET", "/api/v1/admin/users") == "**Sign-in required** · **Role:** admin"
    # Authenticated inside the handler, not by a dependency: found by the role it names.
    assert access("GET", "/api/v1/monitoring/dashboard") == (
        "**Sign-in required** · **Role:** teacher, admin"
    )
    assert access("POST", "/api/v1/problems") == (
        "**Sign-in required** · **Role:** teachers and admins"
    )


def test_every_route_that_checks_a_role_shows_it(rest_page: str):
    # A route whose handler calls require_role must name its roles (the path or the
    # description says them), or the reference would offer it to everyone.
    app = create_app(Settings())
    checked = [
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if getattr(route, "include_in_schema", False) and route.endpoint is not None
        if "require_role(" in inspect.getsource(route.endpoint)
        for method in route.methods or ()
    ]
    assert len(checked) > 20
    unnamed = [
        f"{method} {path}"
        for method, path in checked
        if "**Role:**" not in _operation(rest_page, method, path)
    ]
    assert unnamed == []


def _setting(page: str, key: str) -> str:
    return _section(page, f"### `{key}` {{#{key}}}")


def test_every_setting_is_in_the_configuration_reference(configuration_page: str):
    for key, field in Settings.model_fields.items():
        section = _setting(configuration_page, key)
        assert f"**Environment:** `BATCHJUDGE_{key.upper()}`" in section
        default = field.default
        if isinstance(default, SecretStr):
            assert "**Default:** *(secret)*" in section
            assert default.get_secret_value() not in configuration_page
        elif default is None:
            assert "**Default:** unset" in section
        elif isinstance(default, bool):
            assert f"**Default:** `{str(default).lower()}`" in section
        elif isinstance(default, Enum):
            assert f"**Default:** `{default.value}`" in section
        elif field.default_factory is None and default != "":
            assert f"**Default:** `{default}`" in section, key


def test_the_configuration_reference_reads_like_the_model(configuration_page: str):
    assert "**Type:** path · **Default:** `var`" in _setting(configuration_page, "data_dir")
    assert "**Type:** integer (≥ 1, ≤ 64) · **Default:** `2`" in _setting(
        configuration_page, "sandbox_slots"
    )
    assert "one of `local`, `judge0`" in _setting(configuration_page, "backend")
    assert "**Type:** list of text · **Default:** `[]`" in _setting(
        configuration_page, "alert_webhooks"
    )
    # A docstring entry's continuation lines are part of its description.
    assert "unset means yes in development and no in production." in _setting(
        configuration_page, "allow_reduced_sandbox"
    )


def test_a_setting_missing_from_the_docstring_fails_the_build():
    rendering = _hook_module("settings_markdown")

    class Grown(Settings):
        __doc__ = Settings.__doc__
        shiny_new_knob: int = 1

    with pytest.raises(rendering.DocstringDriftError, match="describe shiny_new_knob"):
        rendering.render_configuration(Grown)

    class Shrunk(Settings):
        __doc__ = (Settings.__doc__ or "").rstrip() + "\n        retired_knob: no longer read.\n"

    with pytest.raises(rendering.DocstringDriftError, match="drop retired_knob"):
        rendering.render_configuration(Shrunk)


def test_the_toml_example_and_the_environment_rules_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    config = tmp_path / "batchjudge.toml"
    config.write_text(_hook_module("settings_markdown").TOML_EXAMPLE)
    monkeypatch.setenv("BATCHJUDGE_CONFIG", str(config))
    settings = load_settings()
    assert settings.environment is Environment.PRODUCTION
    assert settings.sandbox_slots == 4
    assert settings.alert_rules == {"error_rate": {"threshold": 0.05}}

    # The environment wins over the file, and `__` reaches into a table.
    monkeypatch.setenv("BATCHJUDGE_SANDBOX_SLOTS", "3")
    monkeypatch.setenv("BATCHJUDGE_ALERT_RULES__ERROR_RATE__WINDOW_S", "60")
    settings = load_settings()
    assert settings.sandbox_slots == 3
    rule = next(rule for rule in load_rules(settings) if rule.name == "error_rate")
    assert rule.settings.window_s == 60

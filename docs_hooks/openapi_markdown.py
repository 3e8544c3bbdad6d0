"""The REST reference page, rendered from the service's OpenAPI document."""

import json
import re
from collections.abc import Iterable
from typing import Any

Json = dict[str, Any]

#: Sections in reading order; a tag not listed here comes after them, alphabetically.
_TAG_ORDER = (
    "meta",
    "problems",
    "submissions",
    "feedback",
    "onboarding",
    "institutions",
    "monitoring",
    "admin",
)
_METHODS = ("get", "post", "put", "patch", "delete")
#: Paths with their own page (judge0-api.md), left out of this one.
EXCLUDED_PREFIX = "/judge0"
_ADMIN_PREFIX = "/api/v1/admin/"
#: A bracketed remark in a route's description that names who may call it.
_ROLE_REMARK = re.compile(r"\(([^()]*\b(?:admins?|teachers?)\b[^()]*)\)")

_INTRO = """\
# REST API reference

Every route of the batchjudge API, generated from the service's OpenAPI document each time
this site is built, so it cannot fall behind the code. A running server gives the same
document at `/openapi.json` and lets you try each route at `/docs`.

The Judge0-compatible routes under `/judge0` are not listed here: they follow Judge0's
conventions (`X-Auth-Token`, base64 fields, `wait=true`) and have their own page,
[the Judge0-compatible API](../judge0-api.md).

## Signing in

A route marked *sign-in required* accepts either of:

- an API token, sent as `Authorization: Bearer <token>`. An admin creates users and their
  tokens (`POST /api/v1/admin/users`, or `batchjudge users create` on the server); or
- the web UI's session cookie `{cookie}`, which a browser gets by signing in at `/login`.
  A request that changes something with the cookie must also carry the page's CSRF token
  in the `{csrf}` header.

Without either, the answer is 401. Routes under `/api/v1/admin` need the admin role; other
routes that need a role say so in brackets in their description, and refuse anyone else
with 403.

Every refusal (4xx) has the same JSON body, [ApiErrorOut](#schema-apierrorout): a machine
code and a message that says why.

## Routes

"""


def render_rest_reference(
    openapi: Json, signed_in: set[tuple[str, str]], *, cookie: str, csrf_header: str
) -> str:
    """The page for `openapi`, without the routes under `/judge0`.

    Args:
        openapi: the app's OpenAPI document.
        signed_in: (METHOD, path) of the operations that need a signed-in user.
        cookie: the web session cookie's name.
        csrf_header: the header that carries a session's CSRF token.
    """
    sections: dict[str, list[tuple[str, str, Json]]] = {}
    for method, path, operation in _operations(openapi):
        tag = (operation.get("tags") or ["other"])[0]
        sections.setdefault(tag, []).append((method, path, operation))
    order = sorted(sections, key=lambda tag: (_rank(tag), tag))
    lines = [_INTRO.format(cookie=cookie, csrf=csrf_header)]
    lines += ["| Method | Path | What it does |", "|---|---|---|"]
    for tag in order:
        for method, path, operation in sections[tag]:
            link = f"[`{path}`](#{_operation_id(method, path)})"
            lines.append(f"| {method} | {link} | {_cell(_first_sentence(operation))} |")
    for tag in order:
        lines.append(f"\n## {tag.capitalize()}\n")
        for method, path, operation in sections[tag]:
            needs_sign_in = (method, path) in signed_in
            lines += _render_operation(method, path, operation, needs_sign_in, openapi)
    lines.append("\n## Schemas\n")
    for name, schema in sorted(openapi.get("components", {}).get("schemas", {}).items()):
        lines += _render_schema(name, schema)
    return "\n".join(lines) + "\n"


def _operations(openapi: Json) -> Iterable[tuple[str, str, Json]]:
    for path, item in openapi["paths"].items():
        if path.startswith(EXCLUDED_PREFIX):
            continue
        for method in _METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _rank(tag: str) -> int:
    return _TAG_ORDER.index(tag) if tag in _TAG_ORDER else len(_TAG_ORDER)


def role_remark(path: str, description: str) -> str | None:
    """Who may call the route, when the path or the description says: `admin`,
    `teacher, admin`, `the problem's teacher or an admin`."""
    if path.startswith(_ADMIN_PREFIX):
        return "admin"
    found = _ROLE_REMARK.search(description)
    return " ".join(found[1].split(";")[0].split()) if found else None


def _render_operation(
    method: str, path: str, operation: Json, needs_sign_in: bool, openapi: Json
) -> list[str]:
    description = operation.get("description") or operation.get("summary", "")
    lines = [f"### `{method} {path}` {{#{_operation_id(method, path)}}}\n"]
    lines.append(_paragraphs(description) + "\n")
    access = "**Sign-in required**" if needs_sign_in else "**No sign-in**"
    role = role_remark(path, description)
    lines.append(access + (f" · **Role:** {role}" if role else "") + "\n")
    parameters = operation.get("parameters", [])
    if parameters:
        lines += [
            "| Parameter | In | Type | Required | Default | Notes |",
            "|---|---|---|---|---|---|",
        ]
        for parameter in parameters:
            schema = parameter.get("schema", {})
            lines.append(
                _row(
                    f"`{parameter['name']}`",
                    parameter["in"],
                    schema_type(schema),
                    "yes" if parameter.get("required") else "no",
                    _default(schema),
                    _notes(schema, parameter.get("description", "")),
                )
            )
        lines.append("")
    if "requestBody" in operation:
        lines += _render_body(operation["requestBody"], openapi)
    lines += ["| Status | Meaning | Body |", "|---|---|---|"]
    for status, response in operation.get("responses", {}).items():
        meaning = _cell(response.get("description", ""))
        lines.append(f"| {status} | {meaning} | {_response_body(status, response)} |")
    lines.append("")
    return lines


def _render_body(body: Json, openapi: Json) -> list[str]:
    required = "required" if body.get("required") else "optional"
    lines = []
    for media_type, content in body.get("content", {}).items():
        schema = content.get("schema", {})
        lines.append(f"Request body (`{media_type}`, {required}): {schema_type(schema)}\n")
        target = _resolve(_without_null(schema), openapi)
        if "properties" in target:
            lines += _field_table(target)
    return lines


def _render_schema(name: str, schema: Json) -> list[str]:
    lines = [f"### {name} {{#{schema_anchor(name)}}}\n"]
    if schema.get("description"):
        lines.append(_paragraphs(schema["description"]) + "\n")
    if "enum" in schema:
        lines.append("One of " + ", ".join(f"`{value}`" for value in schema["enum"]) + ".\n")
    elif "properties" in schema:
        lines += _field_table(schema)
    else:
        lines.append(f"Type: {schema_type(schema)}.\n")
    return lines


def _field_table(schema: Json) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| Field | Type | Required | Default | Notes |", "|---|---|---|---|---|"]
    for field, spec in schema["properties"].items():
        lines.append(
            _row(
                f"`{field}`",
                schema_type(spec),
                "yes" if field in required else "no",
                _default(spec),
                _notes(spec, spec.get("description", "")),
            )
        )
    return [*lines, ""]


def schema_anchor(name: str) -> str:
    """The anchor of a component schema's heading."""
    return "schema-" + name.lower()


def schema_type(schema: Json) -> str:
    """A reader's name for a JSON schema: `integer`, `array of [TestOut](#...)`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{schema_anchor(name)})"
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:
        named = [schema_type(choice) for choice in choices if choice.get("type") != "null"]
        nullable = len(named) < len(choices)
        return " or ".join(named) + (" or null" if nullable else "")
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {schema_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object ({schema_type(schema['additionalProperties'])} values)"
    if kind == "string" and (schema.get("format") == "binary" or "contentMediaType" in schema):
        return "file"
    if kind == "string" and "format" in schema:
        return f"string ({schema['format']})"
    return str(kind)


def _response_body(status: str, response: Json) -> str:
    content = response.get("content")
    if not content:
        return "empty" if status == "204" else "-"
    parts = []
    for media_type, body in content.items():
        if body.get("schema"):
            parts.append(f"{schema_type(body['schema'])} (`{media_type}`)")
        else:
            parts.append(f"`{media_type}`")
    return "; ".join(parts)


def _notes(schema: Json, description: str) -> str:
    bounds = _constraints(_without_null(schema))
    return _cell(" ".join(part for part in (bounds, description) if part))


def _constraints(schema: Json) -> str:
    """The bounds a value must keep: `≥ 1, ≤ 200`, `length ≤ 500`."""
    words = {
        "minimum": "≥ {}",
        "exclusiveMinimum": "> {}",
        "maximum": "≤ {}",
        "exclusiveMaximum": "< {}",
        "minLength": "length ≥ {}",
        "maxLength": "length ≤ {}",
        "minItems": "items ≥ {}",
        "maxItems": "items ≤ {}",
        "pattern": "matches `{}`",
    }
    found = [text.format(_number(schema[key])) for key, text in words.items() if key in schema]
    return (", ".join(found) + ".") if found else ""


def _default(schema: Json) -> str:
    return f"`{json.dumps(schema['default'])}`" if "default" in schema else ""


def _without_null(schema: Json) -> Json:
    """The non-null choice of an `X or null` schema; any other schema as it is."""
    choices = [c for c in schema.get("anyOf", []) if c.get("type") != "null"]
    return choices[0] if len(choices) == 1 else schema


def _resolve(schema: Json, openapi: Json) -> Json:
    if "$ref" not in schema:
        return schema
    name = schema["$ref"].rsplit("/", 1)[1]
    resolved: Json = openapi["components"]["schemas"][name]
    return resolved


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _operation_id(method: str, path: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", f"{method} {path}".lower()).strip("-")


def _first_sentence(operation: Json) -> str:
    text = " ".join((operation.get("description") or operation.get("summary", "")).split())
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".")


def _paragraphs(text: str) -> str:
    """Docstring text with its line wraps undone (blank lines still separate paragraphs)."""
    return "\n\n".join(" ".join(block.split()) for block in text.split("\n\n"))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    """Text that stays in one table cell."""
    return " ".join(text.split()).replace("|", "\\|")

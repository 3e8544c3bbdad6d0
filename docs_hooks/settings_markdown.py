"""The configuration reference page, rendered from the Settings model and its docstring."""

import inspect
import re
import types
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

#: A file the TOML section shows; the unit tests load it with load_settings.
TOML_EXAMPLE = """\
environment = "production"
secret_key = "a long random string"
sandbox_slots = 4
database_url = "postgresql+psycopg://batchjudge@db.example.edu/batchjudge"
alert_webhooks = ["https://alerts.example.edu/hooks/batchjudge"]

[alert_rules.error_rate]
threshold = 0.05
"""

_INTRO = """\
# Configuration reference

Every setting of a batchjudge process, generated from the `Settings` model when the site
is built, so this page always matches the code.

## Where settings come from

Each setting is read, in this order (the first one found wins):

1. its environment variable: `BATCHJUDGE_` and the key in capitals
   (`BATCHJUDGE_SANDBOX_SLOTS=4`);
2. the TOML file that `BATCHJUDGE_CONFIG` names, with the keys as they are below
   (lower case, no prefix);
3. the default.

A TOML file for a production server could read:

```toml
{toml}```

Point the server, and every `batchjudge` command run against the same installation, at
it:

```sh
BATCHJUDGE_CONFIG=/etc/batchjudge.toml batchjudge serve
```

How values are written in the environment:

- booleans are `true` or `false` (`1` and `0` work too);
- lists are JSON: `BATCHJUDGE_ALERT_WEBHOOKS='["https://alerts.example.edu/hook"]'`;
- tables are JSON (`BATCHJUDGE_ALERT_RULES='{{"error_rate": {{"threshold": 0.05}}}}'`), or
  one variable per value with `__` between the levels:
  `BATCHJUDGE_ALERT_RULES__ERROR_RATE__THRESHOLD=0.05`.

A value the setting does not accept stops the command with one line that names the
variable, for example
`error: invalid setting: BATCHJUDGE_SANDBOX_SLOTS: Input should be less than or equal to 64`.
When `BATCHJUDGE_CONFIG` names something that is not a file, the line is
`error: BATCHJUDGE_CONFIG: /etc/batchjudge.toml is not a file`.

## Settings

In the order the model declares them. Secrets are shown as *(secret)*, never with their
value.
"""


class DocstringDriftError(Exception):
    """The Settings docstring and its fields disagree."""


def parse_attributes(docstring: str) -> dict[str, str]:
    """The `Attributes:` section of a Google-style docstring: name -> description, with
    continuation lines joined."""
    lines = inspect.cleandoc(docstring).splitlines()
    try:
        start = lines.index("Attributes:") + 1
    except ValueError:
        return {}
    found: dict[str, str] = {}
    indent: int | None = None
    name = ""
    for line in lines[start:]:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        indent = depth if indent is None else indent
        if depth < indent:
            break  # the next section
        entry = re.match(r"(\w+): (.*)", line.strip())
        if depth == indent and entry:
            name = entry[1]
            found[name] = entry[2]
        elif name:
            found[name] += " " + line.strip()
    return found


def environment_variable(key: str) -> str:
    """The variable that sets `key` (pydantic-settings ignores its case)."""
    return f"BATCHJUDGE_{key.upper()}"


def describe_type(annotation: Any) -> str:
    """A reader's name for a field's type: `integer`, `one of a, b`, `list of path`."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        present = [describe_type(arg) for arg in args if arg is not type(None)]
        named = ", ".join(present[:-1]) + " or " + present[-1] if len(present) > 1 else present[0]
        return named + (", may be unset" if type(None) in args else "")
    if origin is list:
        return f"list of {describe_type(args[0])}"
    if origin is dict:
        return "table of tables" if get_origin(args[1]) is dict else "table"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(f"`{member.value}`" for member in annotation)
    names = {str: "text", int: "integer", float: "number", bool: "boolean", Path: "path"}
    if annotation is SecretStr:
        return "secret text"
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def describe_default(field: FieldInfo) -> str:
    """The default as one would write it, secrets hidden."""
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, SecretStr):
        return "*(secret)*"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        value = str(value).lower()
    if value == "":
        return "empty"
    return f"`{value}`"


def describe_constraints(field: FieldInfo) -> str:
    """Bounds and patterns the field enforces (`≥ 1`, `≤ 64`, `> 0`)."""
    symbols = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    parts = []
    for rule in field.metadata:
        for attribute, symbol in symbols.items():
            bound = getattr(rule, attribute, None)
            if bound is not None:
                parts.append(f"{symbol} {bound}")
        pattern = getattr(rule, "pattern", None)
        if pattern is not None:
            parts.append(f"matches `{pattern}`")
    return ", ".join(parts)


def render_configuration(model: type[BaseModel]) -> str:
    """The configuration reference page for `model` (the Settings class).

    Raises:
        DocstringDriftError: a field is not described in the docstring's `Attributes:`,
            or the docstring describes a field the model does not have.
    """
    described = parse_attributes(model.__doc__ or "")
    fields = model.model_fields
    missing = [key for key in fields if key not in described]
    unknown = [key for key in described if key not in fields]
    if missing or unknown:
        raise DocstringDriftError(
            f"{model.__name__}'s docstring is out of date: describe "
            f"{', '.join(missing) or 'nothing more'} under Attributes:, and drop "
            f"{', '.join(unknown) or 'nothing'}"
        )
    sections = [_INTRO.format(toml=TOML_EXAMPLE)]
    for key, field in fields.items():
        kind = describe_type(field.annotation)
        bounds = describe_constraints(field)
        kind = f"{kind} ({bounds})" if bounds else kind
        sections.append(
            f"### `{key}` {{#{key}}}\n\n"
            f"**Environment:** `{environment_variable(key)}` · **Type:** {kind} · "
            f"**Default:** {describe_default(field)}\n\n"
            f"{described[key][:1].upper()}{described[key][1:]}\n"
        )
    return "\n".join(sections)

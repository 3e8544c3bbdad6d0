"""Filling a language command's `$placeholders`, and where their values point."""

import string
from collections.abc import Mapping, Sequence

from batchjudge.domain.errors import ConfigError

#: Mount point of a language's prepared files (precompiled headers) inside the box.
PREPARED_MOUNT = "/prep"


def render_command(command: Sequence[str], variables: Mapping[str, str]) -> list[str]:
    """Substitute every placeholder; an unknown one is a broken language file."""
    try:
        return [string.Template(part).substitute(variables) for part in command]
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"command {list(command)} needs an unknown value: {exc}") from exc

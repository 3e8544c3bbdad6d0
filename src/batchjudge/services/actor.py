"""Who performs an audited action, and through which door."""

from dataclasses import dataclass
from typing import Literal

#: The surfaces an action can come through.
Via = Literal["api", "web", "cli"]


@dataclass(frozen=True)
class Actor:
    """The acting user and where they act from.

    Attributes:
        user_id: None for the command line, which runs with the server's own rights and
            has no signed-in user.
        ip: the client address of an HTTP request; empty for the command line.
        via: the surface, kept in every entry's details.
    """

    user_id: int | None
    ip: str
    via: Via

    @classmethod
    def cli(cls) -> "Actor":
        """The operator at the command line."""
        return cls(None, "", "cli")

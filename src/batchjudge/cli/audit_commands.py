"""`batchjudge audit`: read the audit log."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from batchjudge.cli.common import context_settings, current_database, user_errors
from batchjudge.cli.render import dumps
from batchjudge.domain.errors import InvalidInputError
from batchjudge.services.audit import AuditAction
from batchjudge.services.audit_listing import MAX_LIMIT, NamedEntry, list_entries
from batchjudge.services.audited_accounts import user_id_of

audit_app = typer.Typer(help="Read the audit log (who did what, when, from where).")


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--since {text!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _entry_json(named: NamedEntry) -> dict[str, Any]:
    entry = named.entry
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_name": named.actor_name,
        "target": entry.target,
        "target_name": named.target_name,
        "details": entry.details,
        "ip": entry.ip,
    }


def _who(named: NamedEntry) -> str:
    if named.entry.actor_id is None:
        return "-"
    return named.actor_name or f"#{named.entry.actor_id}"


def _table(entries: list[NamedEntry]) -> str:
    header = ("id", "time (UTC)", "action", "actor", "target", "ip", "details")
    rows = [
        (
            str(n.entry.id),
            n.entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            n.entry.action,
            _who(n),
            n.entry.target + (f" ({n.target_name})" if n.target_name else ""),
            n.entry.ip or "-",
            json.dumps(n.entry.details, sort_keys=True, ensure_ascii=False),
        )
        for n in entries
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


@audit_app.command("list")
def audit_list_command(
    ctx: typer.Context,
    action: Annotated[AuditAction | None, typer.Option(help="Only this action.")] = None,
    user: Annotated[str | None, typer.Option(help="Only what this user did.")] = None,
    since: Annotated[str | None, typer.Option(help="ISO 8601 time (UTC if no zone).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Most entries.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show audit entries, newest first."""
    settings = context_settings(ctx)
    with user_errors(), current_database(settings) as sessions, sessions() as session:
        entries = list_entries(
            session,
            action=action.value if action is not None else None,
            actor_id=user_id_of(session, user) if user is not None else None,
            since=_since(since),
            limit=limit,
        )
    if as_json:
        typer.echo(dumps({"entries": [_entry_json(named) for named in entries]}))
    elif entries:
        typer.echo(_table(entries))
    else:
        typer.echo("no audit entries match")

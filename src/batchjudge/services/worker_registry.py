"""Who grades: each grading process registers, records a heartbeat, and says when it
stops; the others tell from that whether it is alive.

A process on another host is dead once silent for `worker_timeout_s`. A process on the
same host is also checked directly (its pid, and the process's start time, since pids
are reused), so a server restarted after a crash takes its old jobs back at once.
Separate network namespaces count as separate hosts, as they stand in for machines.
"""

import json
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from batchjudge.db.workers import WorkerRow
from batchjudge.domain.errors import ConfigError

#: Stopped processes are listed nowhere; their rows are kept this long for inquiries.
KEEP_STOPPED_DAYS = 7


@dataclass(frozen=True)
class WorkerIdentity:
    """This process, as other processes see it."""

    id: str
    name: str
    role: str
    host: str
    process: str


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    # Field 22 of /proc/PID/stat, counted after the command name (which may hold spaces).
    stat = _read(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def _process_key(pid: int) -> str:
    return f"{_read('/proc/sys/kernel/random/boot_id')}:{pid}:{_start_ticks(pid)}"


def _host_key() -> str:
    try:
        namespace = os.readlink("/proc/self/ns/net")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}"


def this_process(name: str | None, role: str) -> WorkerIdentity:
    """The identity of the calling process; `name` defaults to host:pid."""
    pid = os.getpid()
    chosen = name or f"{socket.gethostname()}:{pid}"
    return WorkerIdentity(uuid.uuid4().hex, chosen, role, _host_key(), _process_key(pid))


def _process_gone(process: str) -> bool:
    """Whether a process recorded on this host no longer runs."""
    boot, _, rest = process.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if boot != _read("/proc/sys/kernel/random/boot_id") or not pid_text.isdigit():
        return True
    return _start_ticks(int(pid_text)) != ticks


def _machine(process: str) -> str:
    # The boot id: network namespaces of one machine share its kernel, and so its uids.
    return process.partition(":")[0]


def uid_clash(
    session: Session, identity: WorkerIdentity, uid_base: int, slots: int, timeout_s: float
) -> str | None:
    """Why this process may not run its sandbox slots as uids `uid_base` onwards: a
    live process of this machine runs some of them (sharing them would let one's
    programs count against, and be cleaned up with, the other's). None when it may."""
    for row in live_workers(session, timeout_s):
        if row.id == identity.id or _machine(row.process) != _machine(identity.process):
            continue
        if _process_gone(row.process):
            continue  # a predecessor that crashed: its uids are free
        if row.uid_base < uid_base + slots and uid_base < row.uid_base + row.slots:
            free = ((max(uid_base, row.uid_base + row.slots) + 99) // 100) * 100
            return (
                f"the sandbox uids {uid_base}-{uid_base + slots - 1} are in use by "
                f"{row.name} on this machine: set BATCHJUDGE_SANDBOX_UID_BASE to {free} "
                "or more for this process"
            )
    return None


def register(
    session: Session,
    identity: WorkerIdentity,
    languages: Sequence[str],
    slots: int,
    uid_base: int = 0,
    timeout_s: float = 15.0,
) -> None:
    """Record a grading process that starts now, running its sandbox slots as uids
    `uid_base` onwards.

    Raises:
        ConfigError: a live process of this machine runs its slots as some of those
            uids (`uid_clash`).
    """
    clash = uid_clash(session, identity, uid_base, slots, timeout_s)
    if clash is not None:
        raise ConfigError(clash)
    now = datetime.now(UTC)
    session.add(
        WorkerRow(
            id=identity.id,
            name=identity.name,
            role=identity.role,
            host=identity.host,
            process=identity.process,
            languages=json.dumps(sorted(languages)),
            slots=slots,
            uid_base=uid_base,
            busy=0,
            started_at=now,
            last_seen_at=now,
        )
    )


def heartbeat(session: Session, worker_id: str, busy: int) -> None:
    """Record that the process is alive, with the jobs it holds."""
    session.execute(
        update(WorkerRow)
        .where(WorkerRow.id == worker_id)
        .values(last_seen_at=datetime.now(UTC), busy=busy, stopped_at=None)
    )


def mark_stopped(session: Session, worker_id: str) -> None:
    """Record that the process stopped."""
    now = datetime.now(UTC)
    session.execute(
        update(WorkerRow)
        .where(WorkerRow.id == worker_id, WorkerRow.stopped_at.is_(None))
        .values(stopped_at=now, busy=0)
    )


def live_workers(session: Session, timeout_s: float) -> list[WorkerRow]:
    """The processes seen within `timeout_s` that have not stopped, by name."""
    since = datetime.now(UTC) - timedelta(seconds=timeout_s)
    return list(
        session.scalars(
            select(WorkerRow)
            .where(WorkerRow.stopped_at.is_(None), WorkerRow.last_seen_at >= since)
            .order_by(WorkerRow.name, WorkerRow.started_at)
        )
    )


def find_dead(session: Session, timeout_s: float, here: WorkerIdentity) -> list[str]:
    """Mark stopped, and return, the processes that are not stopped but are dead: silent
    for `timeout_s`, or on this host and gone. Rows stopped long ago are deleted."""
    now = datetime.now(UTC)
    session.execute(
        delete(WorkerRow).where(WorkerRow.stopped_at < now - timedelta(days=KEEP_STOPPED_DAYS))
    )
    since = now - timedelta(seconds=timeout_s)
    candidates = session.scalars(
        select(WorkerRow).where(WorkerRow.stopped_at.is_(None), WorkerRow.id != here.id)
    )
    dead = [
        row.id
        for row in candidates
        if row.last_seen_at < since or (row.host == here.host and _process_gone(row.process))
    ]
    for worker_id in dead:
        mark_stopped(session, worker_id)
    return dead


def languages_of(row: WorkerRow) -> list[str]:
    """The languages a process advertised."""
    found = json.loads(row.languages)
    return [str(language) for language in found] if isinstance(found, list) else []

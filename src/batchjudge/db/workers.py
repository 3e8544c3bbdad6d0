"""Grading processes (`batchjudge worker`, or `serve` with its embedded workers), each
recording that it is alive, so that the jobs a dead one held can be handed to another."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchjudge.db.base import Base, utc_now


class WorkerRow(Base):
    """One grading process, from its start to its stop (or its silence).

    Attributes:
        id: random, new at every start; submissions being graded name it.
        host: where it runs: the host name and, so that processes in separate network
            namespaces count as separate hosts, the namespace's identity.
        process: the boot id, pid and start time of the process, so a process on the
            same host can tell at once that this one is gone (a pid may be reused).
        languages: the languages it grades (JSON list), those whose self-tests passed.
        slots: jobs it runs at once.
        uid_base: its sandbox slots run as uids `uid_base` to `uid_base + slots - 1`.
        busy: jobs it held at its last heartbeat.
        last_seen_at: its last heartbeat; silent for `worker_timeout_s` means dead.
        stopped_at: when it stopped cleanly (or was found dead).
    """

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(300))
    process: Mapped[str] = mapped_column(String(200))
    languages: Mapped[str] = mapped_column(Text, default="[]")
    slots: Mapped[int]
    uid_base: Mapped[int] = mapped_column(default=0)
    busy: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(index=True)

"""Submissions, their per-test results and every execution spent on them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batchjudge.db.base import Base, utc_now


class SubmissionStatus(StrEnum):
    """Where a submission is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Submission(Base):
    """A source submitted for a problem version."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    problem_version_id: Mapped[int] = mapped_column(ForeignKey("problem_versions.id"), index=True)
    language: Mapped[str] = mapped_column(String(32))
    style: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    # Sealed (encrypted under a key derived from the master key) when `source_sealed`;
    # rows from before migration 0006 stay plain until `keys rotate-master` seals them.
    source: Mapped[str] = mapped_column(Text)
    source_sealed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[SubmissionStatus] = mapped_column(String(16), index=True)
    verdict: Mapped[str | None] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text, default="")
    compile_ok: Mapped[bool | None]
    compile_output: Mapped[str] = mapped_column(Text, default="")
    compile_time_s: Mapped[float | None]
    attempts: Mapped[int] = mapped_column(default=0)
    # The grading process holding it while RUNNING (workers.id); not a foreign key, so
    # that old worker rows can be pruned.
    worker_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)

    results: Mapped[list["TestResult"]] = relationship(
        back_populates="submission", order_by="TestResult.position"
    )
    executions: Mapped[list["Execution"]] = relationship(back_populates="submission")


class TestResult(Base):
    """The verdict of one test; unique per (submission, position), so a retried grading
    can never store a second set of results."""

    __tablename__ = "test_results"
    __table_args__ = (UniqueConstraint("submission_id", "position"),)
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    verdict: Mapped[str] = mapped_column(String(8))
    time_s: Mapped[float]
    memory_kb: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")
    output_preview: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="results")


class Execution(Base):
    """One sandbox execution or remote call: the ground truth of efficiency metrics."""

    __tablename__ = "executions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    backend: Mapped[str] = mapped_column(String(32))
    tests_covered: Mapped[int]
    duration_s: Mapped[float]
    outcome: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)

    submission: Mapped[Submission] = relationship(back_populates="executions")

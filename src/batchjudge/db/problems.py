"""Problems and their versions; test data lives in the content-addressed store on disk."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batchjudge.db.base import Base, utc_now


class Problem(Base):
    """A problem; every upload of its package adds a version."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    latest_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # Why the stored package cannot be graded (a test file missing or corrupt on disk);
    # None while it is sound. A new upload clears it.
    broken_reason: Mapped[str | None] = mapped_column(Text)

    versions: Mapped[list["ProblemVersion"]] = relationship(
        back_populates="problem", order_by="ProblemVersion.version"
    )


class ProblemVersion(Base):
    """One uploaded package. Submissions point here, so a re-upload never changes theirs."""

    __tablename__ = "problem_versions"
    __table_args__ = (UniqueConstraint("problem_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    time_limit_s: Mapped[float]
    memory_mb: Mapped[int]
    output_mb: Mapped[int]
    validation: Mapped[str] = mapped_column(String(16))
    validator_flags: Mapped[str] = mapped_column(Text, default="")
    package_hash: Mapped[str] = mapped_column(String(64))
    # Markdown from the package's problem_statement/ (empty when it has none).
    statement: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    problem: Mapped[Problem] = relationship(back_populates="versions")
    tests: Mapped[list["ProblemTest"]] = relationship(
        back_populates="version", order_by="ProblemTest.position"
    )


class TestVisibility(StrEnum):
    """What a student sees of a test in their results (teachers and admins see all)."""

    FULL = "full"  # name, verdict, time, memory, message, input, answer and output
    VERDICT = "verdict"  # name, verdict, time and memory
    HIDDEN = "hidden"  # nothing but that it exists; it still counts in the verdict


def _default_visibility(context: DefaultExecutionContext) -> str:
    parameters: dict[str, object] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    sample = parameters["is_sample"]
    return TestVisibility.FULL.value if sample else TestVisibility.VERDICT.value


class ProblemTest(Base):
    """A test of a version, in run order, with the hashes of its input and answer files.
    Samples start `full` and secret tests `verdict`; teachers may change that."""

    __tablename__ = "problem_tests"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("problem_versions.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    is_sample: Mapped[bool]
    input_hash: Mapped[str] = mapped_column(String(64))
    answer_hash: Mapped[str] = mapped_column(String(64))
    visibility: Mapped[TestVisibility] = mapped_column(String(16), default=_default_visibility)

    version: Mapped[ProblemVersion] = relationship(back_populates="tests")

"""The monitoring rollup: one narrow row per finished submission, and the indexes the
windowed figures read by.

A row sums up what the figures need from a submission's results and executions, so a
figure over 100 000 submissions scans one small table instead of a million result rows.
It is derived data: `monitoring.rollup.refresh_rollup` fills it from the source rows
(a row whose submission finished again, a regrade, is replaced) and it can be rebuilt.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from batchjudge.db.base import Base
from batchjudge.db.monitoring import Feedback
from batchjudge.db.submissions import Submission


class SubmissionFigures(Base):
    """What the figures read of one finished (done or failed) submission.

    Each figure's query is answered from one covering index, read in order: SQLite then
    neither visits the table nor sorts (100 000 rows aggregate in tens of milliseconds).
    """

    __tablename__ = "submission_figures"
    __table_args__ = (
        # Performance totals, duration percentiles (latest first), feature usage.
        Index(
            "ix_submission_figures_finished",
            "finished_at",
            "status",
            "internal_error",
            "backend_error",
            "grading_s",
            "queue_s",
            "mode",
            "style",
        ),
        # Efficiency split by backend, language, mode and problem, in group order.
        Index(
            "ix_submission_figures_groups",
            "backend",
            "language",
            "mode",
            "problem_id",
            "finished_at",
            "tests",
            "runs",
            "remote_create",
            "remote_poll",
            "remote_retry",
            "remote_discover",
        ),
        # The distribution of tests per run execution.
        Index("ix_submission_figures_sizes", "tests", "runs", "finished_at"),
    )

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    #: The submission's `finished_at` when this row was made; another means it is stale.
    finished_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    style: Mapped[str] = mapped_column(String(16))
    problem_id: Mapped[int]
    #: The backend of its run executions, `none` without any.
    backend: Mapped[str] = mapped_column(String(32))
    #: Result rows, and executions of kind `run`.
    tests: Mapped[int]
    runs: Mapped[int]
    #: Billed requests to remote backends, by kind (`run` rows are the creates).
    remote_create: Mapped[int]
    remote_poll: Mapped[int]
    remote_retry: Mapped[int]
    remote_discover: Mapped[int]
    #: Verdict IE, or any test IE.
    internal_error: Mapped[bool]
    #: A fallback, or a remote request that finally failed.
    backend_error: Mapped[bool]
    #: Seconds from start to finish, and from creation to (last) start.
    grading_s: Mapped[float | None]
    queue_s: Mapped[float | None]


# Active users and new-versus-returning users look up each user's first and last
# submission; feedback is windowed by when a rating was last given.
Index("ix_submissions_user_id_created_at", Submission.user_id, Submission.created_at)
Index("ix_feedback_updated_at", Feedback.updated_at)

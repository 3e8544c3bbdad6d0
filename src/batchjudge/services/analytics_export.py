"""A problem's submissions as CSV for analysis, with pseudonyms in place of user ids.

One row per submission to any version of the problem. Nothing in a row names a person:
the user is a keyed-hash pseudonym (`crypto.pseudonyms`), and no source, output or
comment is included.
"""

import csv
import io
from collections.abc import Iterator

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from batchjudge.crypto.pseudonyms import Pseudonyms
from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Submission, TestResult
from batchjudge.domain.verdicts import Verdict

#: The header row.
COLUMNS = (
    "pseudonym",
    "submission_id",
    "problem_version",
    "language",
    "status",
    "verdict",
    "tests_passed",
    "tests_run",
    "created_at",
)


def export_rows(
    session: Session, problem_id: int, pseudonyms: Pseudonyms
) -> Iterator[tuple[str, ...]]:
    """The rows of `problem_id`'s export, oldest submission first (no header)."""
    query = (
        select(Submission, ProblemVersion.version)
        .join(ProblemVersion, Submission.problem_version_id == ProblemVersion.id)
        .where(ProblemVersion.problem_id == problem_id)
        .order_by(Submission.id)
    )
    counts = _test_counts(session, problem_id)
    for row, version in session.execute(query):
        passed, run = counts.get(row.id, (0, 0))
        yield (
            pseudonyms.of(row.user_id),
            str(row.id),
            str(version),
            row.language,
            str(row.status),
            row.verdict or "",
            str(passed),
            str(run),
            row.created_at.isoformat(),
        )


def _test_counts(session: Session, problem_id: int) -> dict[int, tuple[int, int]]:
    """Tests passed and tests run, by submission."""
    passed = func.count(case((TestResult.verdict == Verdict.AC.value, 1)))
    query = (
        select(TestResult.submission_id, passed, func.count())
        .join(Submission, TestResult.submission_id == Submission.id)
        .join(ProblemVersion, Submission.problem_version_id == ProblemVersion.id)
        .where(ProblemVersion.problem_id == problem_id)
        .group_by(TestResult.submission_id)
    )
    return {sid: (ok, run) for sid, ok, run in session.execute(query)}


def export_csv(session: Session, problem_id: int, pseudonyms: Pseudonyms) -> str:
    """The export as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(export_rows(session, problem_id, pseudonyms))
    return out.getvalue()

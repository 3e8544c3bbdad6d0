"""What verdict codes and submission statuses are called on the pages (and in their
scripts, which get these tables as data)."""

from batchjudge.db.submissions import SubmissionStatus
from batchjudge.domain.verdicts import Verdict

VERDICT_NAMES: dict[str, str] = {
    Verdict.AC: "Accepted",
    Verdict.WA: "Wrong answer",
    Verdict.TLE: "Time limit exceeded",
    Verdict.MLE: "Memory limit exceeded",
    Verdict.OLE: "Output limit exceeded",
    Verdict.RE: "Run-time error",
    Verdict.CE: "Compile error",
    Verdict.IE: "Internal error",
    Verdict.SKIPPED: "Skipped",
}

STATUS_NAMES: dict[str, str] = {
    SubmissionStatus.QUEUED: "Waiting in the queue",
    SubmissionStatus.RUNNING: "Being graded",
    SubmissionStatus.DONE: "Graded",
    SubmissionStatus.FAILED: "Grading failed",
}

"""Judge0's status ids and how they translate to and from our verdicts."""

from enum import IntEnum

from batchjudge.domain.verdicts import Verdict

#: Judge0 reports a process killed by SIGKILL (the OOM killer, most often) as NZEC 137.
_KILLED_EXIT = 137
_SIGNAL_STATUS = {11: 7, 25: 8, 8: 9, 6: 10}


class Judge0Status(IntEnum):
    """Status ids of Judge0 CE 1.13.1."""

    IN_QUEUE = 1
    PROCESSING = 2
    ACCEPTED = 3
    WRONG_ANSWER = 4
    TIME_LIMIT_EXCEEDED = 5
    COMPILATION_ERROR = 6
    RUNTIME_ERROR_SIGSEGV = 7
    RUNTIME_ERROR_SIGXFSZ = 8
    RUNTIME_ERROR_SIGFPE = 9
    RUNTIME_ERROR_SIGABRT = 10
    RUNTIME_ERROR_NZEC = 11
    RUNTIME_ERROR_OTHER = 12
    INTERNAL_ERROR = 13
    EXEC_FORMAT_ERROR = 14

    @property
    def description(self) -> str:
        """The text Judge0 pairs with the id."""
        return _DESCRIPTIONS[self]

    @property
    def finished(self) -> bool:
        """Judge0 is done with the submission (neither queued nor processing)."""
        return self not in (Judge0Status.IN_QUEUE, Judge0Status.PROCESSING)


_DESCRIPTIONS = {
    Judge0Status.IN_QUEUE: "In Queue",
    Judge0Status.PROCESSING: "Processing",
    Judge0Status.ACCEPTED: "Accepted",
    Judge0Status.WRONG_ANSWER: "Wrong Answer",
    Judge0Status.TIME_LIMIT_EXCEEDED: "Time Limit Exceeded",
    Judge0Status.COMPILATION_ERROR: "Compilation Error",
    Judge0Status.RUNTIME_ERROR_SIGSEGV: "Runtime Error (SIGSEGV)",
    Judge0Status.RUNTIME_ERROR_SIGXFSZ: "Runtime Error (SIGXFSZ)",
    Judge0Status.RUNTIME_ERROR_SIGFPE: "Runtime Error (SIGFPE)",
    Judge0Status.RUNTIME_ERROR_SIGABRT: "Runtime Error (SIGABRT)",
    Judge0Status.RUNTIME_ERROR_NZEC: "Runtime Error (NZEC)",
    Judge0Status.RUNTIME_ERROR_OTHER: "Runtime Error (Other)",
    Judge0Status.INTERNAL_ERROR: "Internal Error",
    Judge0Status.EXEC_FORMAT_ERROR: "Exec Format Error",
}


def verdict_for(
    status: Judge0Status, exit_code: int | None, memory_kb: int | None, memory_limit_kb: int
) -> Verdict:
    """Our verdict for a finished Judge0 submission.

    Judge0 has no memory-limit status: an OOM kill shows up as NZEC with exit code 137,
    which is MLE when the reported memory reached the limit, and RE otherwise.
    """
    if not status.finished:
        raise ValueError(f"status {status.value} ({status.description}) is not final")
    if status is Judge0Status.ACCEPTED:
        return Verdict.AC
    if status is Judge0Status.WRONG_ANSWER:
        return Verdict.WA
    if status is Judge0Status.TIME_LIMIT_EXCEEDED:
        return Verdict.TLE
    if status is Judge0Status.COMPILATION_ERROR:
        return Verdict.CE
    if status is Judge0Status.RUNTIME_ERROR_SIGXFSZ:
        return Verdict.OLE
    if status in (Judge0Status.INTERNAL_ERROR, Judge0Status.EXEC_FORMAT_ERROR):
        return Verdict.IE
    if (
        status is Judge0Status.RUNTIME_ERROR_NZEC
        and exit_code == _KILLED_EXIT
        and memory_kb is not None
        and memory_kb >= memory_limit_kb
    ):
        return Verdict.MLE
    return Verdict.RE


def status_for(verdict: Verdict, signal: int | None = None) -> Judge0Status:
    """The Judge0 status our compatible API reports for a verdict (MLE and OLE have none
    of their own: a killed process is NZEC there, an oversized file SIGXFSZ)."""
    if verdict is Verdict.RE and signal in _SIGNAL_STATUS:
        return Judge0Status(_SIGNAL_STATUS[signal])
    return {
        Verdict.AC: Judge0Status.ACCEPTED,
        Verdict.WA: Judge0Status.WRONG_ANSWER,
        Verdict.TLE: Judge0Status.TIME_LIMIT_EXCEEDED,
        Verdict.CE: Judge0Status.COMPILATION_ERROR,
        Verdict.MLE: Judge0Status.RUNTIME_ERROR_NZEC,
        Verdict.OLE: Judge0Status.RUNTIME_ERROR_SIGXFSZ,
        Verdict.RE: Judge0Status.RUNTIME_ERROR_NZEC,
        Verdict.IE: Judge0Status.INTERNAL_ERROR,
        Verdict.SKIPPED: Judge0Status.INTERNAL_ERROR,
    }[verdict]

"""Turning what a driver or a dead execution reports into a verdict."""

import signal as signals

from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.outcome import ExecutionResult, Termination
from batchjudge.languages.framing import Frame, FrameStatus
from batchjudge.languages.spec import LanguageSpec

_FRAME_VERDICTS = {
    FrameStatus.RE: Verdict.RE,
    FrameStatus.TLE: Verdict.TLE,
    FrameStatus.MLE: Verdict.MLE,
    FrameStatus.OLE: Verdict.OLE,
}


def _describe_end(exit_code: int | None, signal: int | None) -> str:
    if signal:
        try:
            return f"killed by signal {signal} ({signals.Signals(signal).name})"
        except ValueError:
            return f"killed by signal {signal}"
    if exit_code is None:
        return "uncaught error"
    return f"exit status {exit_code}"


def _tail(stderr: bytes, keep: int) -> str:
    text = stderr[-keep:].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


def frame_failure(frame: Frame, stderr_keep: int) -> tuple[Verdict, str] | None:
    """The verdict of a test the driver saw fail, or None when it ended normally."""
    verdict = _FRAME_VERDICTS.get(frame.status)
    if verdict is None:
        return None
    if verdict is Verdict.RE:
        code = frame.exit_code if frame.exit_code >= 0 else None
        return verdict, _describe_end(code, frame.signal) + _tail(frame.stderr, stderr_keep)
    return verdict, ""


def dead_execution_verdict(
    result: ExecutionResult, spec: LanguageSpec, stderr_keep: int
) -> tuple[Verdict, str]:
    """The verdict of the test that was running when its execution ended without a frame."""
    stderr_text = result.stderr.decode("utf-8", "replace")
    if result.termination is Termination.MEMORY_LIMIT or any(
        pattern in stderr_text for pattern in spec.oom_stderr_patterns
    ):
        return Verdict.MLE, ""
    if result.termination is Termination.TIME_LIMIT:
        return Verdict.TLE, ""
    if result.termination is Termination.OUTPUT_LIMIT:
        return Verdict.OLE, ""
    message = "the program ended the test runner (" + _describe_end(result.exit_code, result.signal)
    return Verdict.RE, message + ")" + _tail(result.stderr, stderr_keep)

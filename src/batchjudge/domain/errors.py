"""The one exception hierarchy of batchjudge.

    BatchjudgeError
    ├── ConfigError            bad settings or a broken language file
    ├── LanguageError          unknown language id, alias or extension
    ├── ProblemError           a malformed problem package (names file and problem)
    ├── SubmissionError        a source that cannot be graded as asked (style not found...)
    ├── InvalidInputError      a value given is not acceptable (a too-short password...)
    ├── SignInError            a name and password that do not match an active user
    ├── ConflictError          a name or version that exists already
    ├── NotFoundError          no such problem, submission or user
    ├── PermissionDeniedError  the user's role does not allow it
    ├── RemoteUnavailableError      a remote judge is down or out of quota; the fallback applies
    └── BackendError           infrastructure failed; grading reports IE
        ├── SandboxError       the local sandbox could not run something
        └── ProtocolError      a driver spoke a protocol we could not parse

Student failures (WA, TLE, CE...) are verdicts, never exceptions.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from batchjudge.domain.reports import RemoteCall


class BatchjudgeError(Exception):
    """Base of every error raised on purpose by batchjudge."""


class ConfigError(BatchjudgeError):
    """Settings or a data file are invalid."""


class LanguageError(BatchjudgeError):
    """A language id, alias or file extension is unknown."""


class ProblemError(BatchjudgeError):
    """A problem package is malformed."""


class SubmissionError(BatchjudgeError):
    """A submission cannot be graded as requested."""


class InvalidInputError(BatchjudgeError):
    """A value the caller gave is not acceptable."""


class SignInError(BatchjudgeError):
    """The name and password do not match an active user (which of the two is not said)."""


class ConflictError(BatchjudgeError):
    """Something with that name or identity exists already."""


class NotFoundError(BatchjudgeError):
    """The thing asked for does not exist."""


class PermissionDeniedError(BatchjudgeError):
    """The acting user's role does not allow this."""


class TooLargeError(InvalidInputError):
    """An input exceeds a configured bound (source, package, unpacked size, tests)."""


class LimitedError(BatchjudgeError):
    """The caller must wait: a rate limit, a quota or an abuse block. `retry_after_s` is
    how long, when known (it becomes the Retry-After header)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RateLimitedError(LimitedError):
    """Too many requests in the rate limit's window."""


class QuotaExceededError(LimitedError):
    """The institution's monthly quota is spent."""


class BlockedError(LimitedError):
    """The user is under a temporary block after an abuse flag."""


class BackendError(BatchjudgeError):
    """The execution infrastructure failed; the affected tests get IE.

    `calls` are the billed requests a remote backend made before it gave up, so that cost
    figures stay true even for failed runs.
    """

    def __init__(self, message: str, calls: "Sequence[RemoteCall]" = ()) -> None:
        super().__init__(message)
        self.calls = tuple(calls)


class SandboxError(BackendError):
    """The local sandbox failed to set up, start or account for an execution."""


class ProtocolError(BackendError):
    """A driver's output broke the framing protocol."""


class RemoteUnavailableError(BatchjudgeError):
    """A remote judge cannot take work now: it is unreachable or every key's quota is
    spent. Not a verdict: the configured fallback (local sandbox or wait) applies."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

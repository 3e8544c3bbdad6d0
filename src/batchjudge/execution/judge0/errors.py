"""Judge0 failures that carry the billed HTTP requests spent before they happened."""

from batchjudge.domain.errors import BackendError, RemoteUnavailableError
from batchjudge.execution.outcome import RemoteCall


class Judge0Error(BackendError):
    """Judge0 failed in a way retrying did not fix; the affected tests get IE.

    `calls` (from BackendError) holds every HTTP request made for the failed operation.
    """


class Judge0UnavailableError(RemoteUnavailableError):
    """Judge0 is unreachable or every key's quota is spent; the configured fallback applies.

    Attributes:
        calls: every HTTP request made before giving up, for cost accounting.
    """

    def __init__(
        self,
        message: str,
        retry_after_s: float | None = None,
        calls: tuple[RemoteCall, ...] = (),
    ) -> None:
        super().__init__(message, retry_after_s)
        self.calls = calls

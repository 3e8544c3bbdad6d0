"""The one call the local backend needs from the sandbox."""

from typing import Protocol

from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.outcome import ExecutionResult


class SandboxRunner(Protocol):
    """Anything that can run a `SandboxRequest` (the real sandbox, or a stand-in)."""

    async def execute(self, request: SandboxRequest) -> ExecutionResult:
        """Run the request's process tree and report how it ended."""
        ...

"""Running programs on a remote Judge0 server (language 89, multi-file programs)."""

from batchjudge.execution.judge0.backend import Judge0Backend, Judge0Options
from batchjudge.execution.judge0.callbacks import CALLBACK_PATH, CallbackHub
from batchjudge.execution.judge0.errors import Judge0Error, Judge0UnavailableError
from batchjudge.execution.judge0.factory import judge0_backend, judge0_endpoint
from batchjudge.execution.judge0.poller import PollSchedule

__all__ = [
    "CALLBACK_PATH",
    "CallbackHub",
    "Judge0Backend",
    "Judge0Error",
    "Judge0Options",
    "Judge0UnavailableError",
    "PollSchedule",
    "judge0_backend",
    "judge0_endpoint",
]

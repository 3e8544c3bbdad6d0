"""What grading a Judge0 submission produced, as kept in its row's `result` JSON.

Texts are `judge0_requests.to_text` strings (bytes that are not UTF-8 survive); an
empty output is None, as Judge0 stores it.
"""

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Judge0Run:
    """How one run (or one test of the `test_cases` extension) ended.

    Attributes:
        status_id: Judge0 status id.
        time: CPU seconds; wall_time: real seconds; memory: peak KB.
    """

    status_id: int
    stdout: str | None = None
    stderr: str | None = None
    message: str | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    time: float | None = None
    wall_time: float | None = None
    memory: int | None = None


@dataclass(frozen=True)
class Judge0Result:
    """A finished submission: `run` decides the status (with `test_cases`, the first test
    that failed, else the first test) and `test_results` has every test."""

    run: Judge0Run
    compile_output: str | None = None
    test_results: tuple[Judge0Run, ...] | None = None

    @property
    def status_id(self) -> int:
        """The submission's status."""
        return self.run.status_id

    def to_json(self) -> str:
        """The stored form (ASCII)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Judge0Result":
        """The result `to_json` stored."""
        data = json.loads(text)
        tests = data["test_results"]
        return cls(
            run=Judge0Run(**data["run"]),
            compile_output=data["compile_output"],
            test_results=None if tests is None else tuple(Judge0Run(**t) for t in tests),
        )


def text_or_none(text: str) -> str | None:
    """Judge0 stores an empty output as null."""
    return text or None

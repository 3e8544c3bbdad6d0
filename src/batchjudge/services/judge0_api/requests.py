"""A Judge0 submission request as we keep it, JSON in the submission's row.

Text fields hold bytes that need not be UTF-8: they are decoded with `surrogateescape`
(`to_text`) and encoded back the same way (`to_bytes`), so nothing is lost on the way.
"""

import json
from dataclasses import asdict, dataclass, field


def to_text(data: bytes) -> str:
    """Bytes as text that remembers bytes which are not UTF-8."""
    return data.decode("utf-8", "surrogateescape")


def to_bytes(text: str) -> bytes:
    """The bytes `to_text` was given."""
    return text.encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Judge0Case:
    """One test of the `test_cases` extension."""

    stdin: str | None
    expected_output: str | None


@dataclass(frozen=True)
class Judge0Request:
    """A valid submission, every limit filled in (units as Judge0's: s, KB)."""

    language_id: int
    source_code: str | None
    stdin: str | None = None
    expected_output: str | None = None
    cpu_time_limit: float = 5.0
    cpu_extra_time: float = 1.0
    wall_time_limit: float = 10.0
    memory_limit: int = 128000
    stack_limit: int = 64000
    max_processes_and_or_threads: int = 60
    enable_per_process_and_thread_time_limit: bool = False
    enable_per_process_and_thread_memory_limit: bool = False
    max_file_size: int = 1024
    redirect_stderr_to_stdout: bool = False
    enable_network: bool = False
    number_of_runs: int = 1
    compiler_options: str | None = None
    command_line_arguments: str | None = None
    additional_files: str | None = None
    callback_url: str | None = None
    test_cases: tuple[Judge0Case, ...] | None = field(default=None)

    def to_json(self) -> str:
        """The stored form (ASCII, so escaped non-UTF-8 bytes survive any database)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Judge0Request":
        """The request `to_json` stored."""
        data = json.loads(text)
        cases = data.pop("test_cases")
        if cases is not None:
            cases = tuple(Judge0Case(**case) for case in cases)
        return cls(**data, test_cases=cases)

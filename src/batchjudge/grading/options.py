"""Knobs of one grading run."""

from dataclasses import dataclass

from batchjudge.domain.styles import Mode


@dataclass(frozen=True)
class GradeOptions:
    """How to pack and stop a grading run.

    Attributes:
        mode: multi, single or auto (multi unless forbidden).
        stop_on_failure: once a test fails, report the rest as SKIPPED without running more.
        multi_test_enabled: the site-wide switch; off makes auto mean single.
        max_tests_per_execution: cap on tests per run execution in multi mode (None: no cap).
        wall_factor: a test's real-time limit is `time_limit * wall_factor + wall_extra_s`.
        wall_extra_s: see `wall_factor`.
        stderr_keep: bytes of a failing test's stderr kept in its message.
        keep_output_bytes: bytes of each test's stdout and stderr kept whole in its
            result, for APIs that hand program output back (the Judge0 one); 0 keeps none.
        validator_timeout_s: wall (and CPU) seconds a custom output validator may take on
            one test; beyond it that test gets IE and the others are still judged.
    """

    mode: Mode = Mode.AUTO
    stop_on_failure: bool = False
    multi_test_enabled: bool = True
    max_tests_per_execution: int | None = None
    wall_factor: float = 2.0
    wall_extra_s: float = 0.5
    stderr_keep: int = 2048
    keep_output_bytes: int = 0
    validator_timeout_s: float = 30.0

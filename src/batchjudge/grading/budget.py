"""Limits for one test inside a batch and for the execution that carries the batch."""

from collections.abc import Sequence

from batchjudge.execution.limits import ResourceLimits
from batchjudge.grading.options import GradeOptions
from batchjudge.languages.framing import BatchItem
from batchjudge.languages.spec import LanguageSpec
from batchjudge.problems.model import Problem

#: Bytes a frame adds around a test's output: header plus at most 4 KiB of stderr.
_FRAME_OVERHEAD = 4096 + 256


def batch_item(problem: Problem, index: int, options: GradeOptions) -> BatchItem:
    """Test `index` of `problem` with its own limits."""
    limits = problem.limits
    return BatchItem(
        index=index,
        input=problem.cases[index].read_input(),
        time_limit_s=limits.time_limit_s,
        wall_limit_s=limits.time_limit_s * options.wall_factor + options.wall_extra_s,
        output_limit=limits.output_mb << 20,
    )


def execution_limits(
    spec: LanguageSpec, problem: Problem, items: Sequence[BatchItem]
) -> ResourceLimits:
    """Bounds for one execution running `items`.

    Each test is limited by the driver; these bounds sit above the sum of the per-test
    limits so they only catch a driver that lost control, never decide a test's verdict.
    """
    walls = sum(item.wall_limit_s for item in items)
    startup = spec.run.startup_time_s
    return ResourceLimits(
        cpu_time_s=walls + startup,
        wall_time_s=walls + startup + 1.0,
        memory_mb=problem.limits.memory_mb + spec.run.memory_overhead_mb,
        processes=spec.run.processes,
        output_bytes=sum(item.output_limit + _FRAME_OVERHEAD for item in items) + 1024,
    )

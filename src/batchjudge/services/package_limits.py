"""The bounds on a problem package (its upload, what it unpacks to), from the settings."""

from batchjudge.domain.errors import TooLargeError
from batchjudge.problems.archive import ArchiveLimits
from batchjudge.settings import Settings

#: Files a package may hold per test it is allowed: the .in and .ans, and room for the
#: optional .hint, .desc and illustration files a Kattis test may carry.
_FILES_PER_TEST = 4


def archive_limits(settings: Settings) -> ArchiveLimits:
    """What an upload (or a stored package, when grading) may unpack to: at most
    `max_unpacked_mb` MiB in all, and enough entries for `max_tests_per_problem` tests,
    so that the test count, not the file count, is the bound a teacher meets."""
    files = max(ArchiveLimits.max_files, _FILES_PER_TEST * settings.max_tests_per_problem)
    return ArchiveLimits(max_bytes=settings.max_unpacked_mb << 20, max_files=files)


def oversized_package(upload: str, size: int | None, max_upload_mb: int) -> TooLargeError:
    """The refusal of an upload over `max_upload_mb` MiB; `size` in bytes, when known."""
    shown = round(size / (1 << 20), 1) if size is not None else 0.0
    how_big = f"{shown} MiB" if shown > max_upload_mb else f"over {max_upload_mb} MiB"
    return TooLargeError(
        f"{upload}: the package is {how_big}; a problem package may be at most {max_upload_mb} MiB"
    )

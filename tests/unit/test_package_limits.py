"""Package bounds from the settings: what an upload may unpack to, and the refusal of an
upload over its size."""

from batchjudge.problems.archive import ArchiveLimits
from batchjudge.services.package_limits import archive_limits, oversized_package
from batchjudge.settings import Settings


def test_the_archive_bounds_come_from_the_settings():
    limits = archive_limits(Settings(max_unpacked_mb=3, max_tests_per_problem=10))
    assert limits.max_bytes == 3 << 20
    assert limits.max_files == ArchiveLimits().max_files
    assert limits.max_ratio == ArchiveLimits().max_ratio
    # A site allowing many tests allows the files they come in.
    assert archive_limits(Settings(max_tests_per_problem=50_000)).max_files == 200_000


def test_an_oversized_upload_is_told_its_size_and_the_bound():
    assert str(oversized_package("p.zip", 3 << 20, 2)) == (
        "p.zip: the package is 3.0 MiB; a problem package may be at most 2 MiB"
    )
    # Too close to the bound to show a size that reads larger than it.
    assert str(oversized_package("p.zip", (2 << 20) + 10, 2)) == (
        "p.zip: the package is over 2 MiB; a problem package may be at most 2 MiB"
    )
    assert str(oversized_package("p.zip", None, 2)).startswith("p.zip: the package is over 2 MiB")

"""Problem versions back on disk: the stored package unpacked once per content hash."""

import os
import shutil
import tempfile
from pathlib import Path

from batchjudge.db.problems import ProblemVersion
from batchjudge.problems.archive import ArchiveLimits, extract_package
from batchjudge.problems.model import Problem
from batchjudge.problems.package import load_problem
from batchjudge.storage.blobs import BlobStore


def problem_for_version(
    version: ProblemVersion, store: BlobStore, cache_root: Path, limits: ArchiveLimits
) -> Problem:
    """The engine's view of `version`, unpacked from its stored package under
    `cache_root/<package hash>` the first time it is needed."""
    final = cache_root / version.package_hash
    if not final.is_dir():
        cache_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cache_root, prefix=".unpacking-"))
        try:
            root = extract_package(
                store.get(version.package_hash), staging, f"version {version.id}", limits
            )
            if root != staging:
                root.rename(staging.with_name(staging.name + "-root"))
                shutil.rmtree(staging)
                staging = staging.with_name(staging.name + "-root")
            os.chmod(staging, 0o755)
            staging.rename(final)
        except OSError:
            # Another worker unpacked the same package first; theirs is as good as ours.
            shutil.rmtree(staging, ignore_errors=True)
    return load_problem(final)

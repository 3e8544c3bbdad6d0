"""Builds the C launcher (launcher.c) once per source version into the sandbox state folder."""

import hashlib
import uuid
from importlib import resources
from pathlib import Path

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.local.process import run_plain

_COMPILER = "/usr/bin/gcc"


def ensure_launcher(state_dir: Path) -> Path:
    """The launcher binary for the current launcher.c, compiled on first use."""
    source = resources.files("batchjudge.execution.local").joinpath("launcher.c").read_bytes()
    binary = state_dir / f"bj_launcher-{hashlib.sha256(source).hexdigest()[:16]}"
    if binary.exists():
        return binary
    state_dir.mkdir(parents=True, exist_ok=True)
    # Unique per call: threads of one process may build it at the same moment.
    staging = state_dir / f".launcher-{uuid.uuid4().hex}"
    staging.with_suffix(".c").write_bytes(source)
    built = run_plain(
        [_COMPILER, "-O2", "-Wall", "-o", str(staging), str(staging.with_suffix(".c"))],
        timeout_s=60,
    )
    staging.with_suffix(".c").unlink(missing_ok=True)
    if built.returncode != 0:
        raise SandboxError(
            "cannot build the sandbox launcher with gcc (run `make install`): "
            + built.stderr.decode("utf-8", "replace").strip()[-500:]
        )
    staging.chmod(0o755)
    staging.replace(binary)  # atomic, so concurrent starts agree on one file
    return binary

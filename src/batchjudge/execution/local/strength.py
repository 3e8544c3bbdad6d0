"""What isolation the local sandbox can give on this host, and why not more."""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from batchjudge.execution.local.cgroups import CgroupLayout, detect_layout
from batchjudge.execution.local.process import run_plain


@dataclass(frozen=True)
class SandboxStrength:
    """The isolation in force; every missing layer has a reason in `gaps`.

    Attributes:
        bwrap: the bubblewrap binary, when it exists and works here.
        uid_drop: executions run as a per-slot unprivileged uid (needs root).
        cgroups: the cgroup layout for pids, memory and CPU accounting.
        cgroup_note: which cgroup version is used, or why none is.
        seccomp: the syscall filter could be built.
        gaps: one line per missing layer: what is lost and why.
    """

    bwrap: Path | None
    uid_drop: bool
    cgroups: CgroupLayout | None
    cgroup_note: str
    seccomp: bool
    gaps: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """True when every layer is in force."""
        return not self.gaps

    def describe(self) -> str:
        """A human report for `batchjudge doctor`."""
        mode = "full isolation" if self.full else "REDUCED isolation"
        lines = [f"sandbox: {mode}"]
        lines.append(
            "  namespaces (bubblewrap): "
            + (
                f"yes ({self.bwrap}): no network, private /tmp, read-only system"
                if self.bwrap
                else "no"
            )
        )
        lines.append(f"  unprivileged uid per slot: {'yes' if self.uid_drop else 'no'}")
        lines.append(f"  cgroups: {self.cgroup_note if self.cgroups else 'no'}")
        lines.append(f"  seccomp filter: {'yes' if self.seccomp else 'no'}")
        lines.append("  rlimits (cpu, file size, stack, core, open files): yes")
        lines += [f"  missing: {gap}" for gap in self.gaps]
        return "\n".join(lines)


def _bwrap_works(bwrap: str) -> str | None:
    """None when an unprivileged-style bwrap sandbox starts here, else the reason."""
    probe = run_plain(
        [
            bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/", "/usr/bin/true",
        ],
        timeout_s=20,
    )  # fmt: skip
    if probe.returncode == 0:
        return None
    return probe.stderr.decode("utf-8", "replace").strip() or f"exit status {probe.returncode}"


def probe_strength(seccomp_ok: bool, seccomp_note: str) -> SandboxStrength:
    """Probe this host: bwrap, root, cgroups."""
    gaps = []
    bwrap_path = shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")
    bwrap: Path | None = None
    if bwrap_path is None:
        gaps.append("bubblewrap is not installed (run `make install`): no namespaces, so no "
                    "network or filesystem isolation")  # fmt: skip
    elif (why := _bwrap_works(bwrap_path)) is not None:
        gaps.append(f"bubblewrap cannot create namespaces here ({why}): no network or "
                    "filesystem isolation")  # fmt: skip
    else:
        bwrap = Path(bwrap_path)
    root = os.geteuid() == 0
    if not root:
        gaps.append("not running as root: executions keep this user's uid")
    layout, note = detect_layout() if root else (None, "needs root")
    if layout is None:
        gaps.append(f"no cgroups ({note}): no memory limit, no process limit, CPU time "
                    "from rusage only")  # fmt: skip
    if not seccomp_ok:
        gaps.append(f"no seccomp filter ({seccomp_note})")
    return SandboxStrength(
        bwrap=bwrap,
        uid_drop=root,
        cgroups=layout,
        cgroup_note=note,
        seccomp=seccomp_ok,
        gaps=gaps,
    )

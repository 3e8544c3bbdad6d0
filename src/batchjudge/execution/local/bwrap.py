"""The bubblewrap command line: what the sandboxed process can see."""

from pathlib import Path

from batchjudge.execution.local.request import SandboxRequest

#: Where the slot's memory-cgroup events file appears inside the box.
MEMORY_EVENTS_MOUNT = "/run/bj/memory_events"
_SHM_BYTES = 4 << 20
BASE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "BJ_TMP": "/tmp"}


def bwrap_argv(
    bwrap: Path,
    request: SandboxRequest,
    seccomp_fd: int | None,
    memory_events: Path | None,
) -> list[str]:
    """The full bwrap invocation for `request`, ending with the request's own argv.

    Every namespace is new (so no network but an isolated loopback), the system is
    read-only, /tmp and /dev/shm are size-capped tmpfs, and `--remount-ro /` comes after
    every mount so even bubblewrap's own root is read-only.
    """
    argv = [
        str(bwrap),
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        # The command is the namespace's init: no bubblewrap init to wait for, which saves
        # about 4 ms per execution. Drivers run student code in forked children or
        # in-process with handlers, so init's immunity to default-action signals does not
        # change a verdict; CPU limits come from the cgroup and RLIMIT_CPU's SIGKILL.
        "--as-pid-1",
        "--clearenv",
    ]
    env = {**BASE_ENV, **request.env}
    if memory_events is not None:
        env["BJ_MEMORY_EVENTS"] = MEMORY_EVENTS_MOUNT
    for name, value in env.items():
        argv += ["--setenv", name, value]
    argv += [
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/sbin", "/sbin",
    ]  # fmt: skip
    argv += ["--bind" if request.box_writable else "--ro-bind", str(request.box), "/box"]
    if request.work is not None:
        argv += ["--bind", str(request.work), "/work"]
    for host, inside in request.ro_binds:
        argv += ["--ro-bind", str(host), inside]
    if memory_events is not None:
        argv += ["--ro-bind", str(memory_events), MEMORY_EVENTS_MOUNT]
    argv += [
        "--size", str(request.limits.tmp_mb << 20), "--tmpfs", "/tmp",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(_SHM_BYTES), "--tmpfs", "/dev/shm",
        "--remount-ro", "/dev",
        "--remount-ro", "/",
        "--chdir", request.cwd,
    ]  # fmt: skip
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    return [*argv, *request.argv]

"""The seccomp filter every sandboxed process runs under, compiled to BPF once per start.

It is a deny-list: namespaces and bubblewrap already take away files and network, so the
filter only closes the kernel interfaces that let a process reach past them (tracing,
keyrings, mounts, new namespaces, io_uring, BPF) and refuses non-Unix sockets outright.
Foreign architectures (i386, x32 entry points) are killed by libseccomp's default.
"""

import errno
import socket
import uuid
from pathlib import Path

import pyseccomp as seccomp

from batchjudge.domain.errors import SandboxError

DENIED_SYSCALLS = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "keyctl",
    "add_key",
    "request_key",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "personality",
    "acct",
    "quotactl",
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    "syslog",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "adjtimex",
)

_AF_VSOCK = 40
DENIED_SOCKET_FAMILIES = (
    socket.AF_INET,
    socket.AF_INET6,
    socket.AF_NETLINK,
    socket.AF_PACKET,
    _AF_VSOCK,
)
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000


def write_filter(path: Path) -> Path:
    """Compile the filter to BPF at `path` (bubblewrap reads it through `--seccomp FD`)."""
    try:
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for name in DENIED_SYSCALLS:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
        for family in DENIED_SOCKET_FAMILIES:
            rules.add_rule(
                seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, family)
            )
        for flag in (_CLONE_NEWUSER, _CLONE_NEWPID):
            rules.add_rule(
                seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag)
            )
        # clone3 passes its flags in memory the filter cannot read; glibc falls back to clone.
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: sandboxes starting at once must never read half a file.
        staging = path.with_name(f".{path.name}-{uuid.uuid4().hex}")
        with staging.open("wb") as out:
            rules.export_bpf(out)
        staging.replace(path)
    except (OSError, RuntimeError, ValueError) as error:
        raise SandboxError(f"cannot build the seccomp filter: {error}") from error
    return path

"""The real local sandbox: limits end as the right termination, and nothing escapes the box."""

import asyncio
import contextlib
import os
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.sandbox import LocalSandbox, SandboxConfig
from batchjudge.execution.outcome import ExecutionResult, Termination
from support.sandboxing import compiled_programs, full_sandbox, processes_of
from support.sandboxing import run as run_in

pytestmark = pytest.mark.sandbox

PROGRAMS = {
    "connect": r"""
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons(atoi(argv[1]));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) { perror("connect"); return 1; }
    puts("connected");
    return 0;
}
""",
    "readfile": r"""
#include <stdio.h>
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror("open"); return 1; }
    char line[256];
    if (fgets(line, sizeof line, f)) fputs(line, stdout);
    return 0;
}
""",
    "writefile": r"""
#include <stdio.h>
int main(int argc, char **argv) {
    int failures = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "w");
        if (f) { fputs("pwned", f); fclose(f); printf("wrote %s\n", argv[i]); }
        else failures++;
    }
    return failures == argc - 1 ? 0 : 1;
}
""",
    "orphan": r"""
#include <stdio.h>
#include <unistd.h>
int main(void) {
    if (fork() == 0) { setsid(); if (fork() == 0) { for (;;) pause(); } _exit(0); }
    puts("parent done");
    return 0;
}
""",
    "forkbomb": r"""
#include <unistd.h>
int main(void) { for (;;) fork(); }
""",
    "memhog": r"""
#include <stdlib.h>
#include <string.h>
int main(void) {
    for (;;) { char *p = malloc(16 << 20); if (!p) return 3; memset(p, 1, 16 << 20); }
}
""",
    "spin": r"""
int main(void) { volatile unsigned long n = 0; for (;;) n++; }
""",
    "spinners": r"""
#include <unistd.h>
int main(void) { fork(); fork(); volatile unsigned long n = 0; for (;;) n++; }
""",
    "flood": r"""
#include <stdio.h>
int main(void) { for (;;) fputs("flood flood flood flood flood flood flood\n", stdout); }
""",
    "ptrace": r"""
#include <stdio.h>
#include <sys/ptrace.h>
int main(void) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0) { puts("traced"); return 0; }
    perror("ptrace");
    return 1;
}
""",
    "segfault": r"""
int main(void) { volatile int *nowhere = 0; return *nowhere; }
""",
    "whoami": r"""
#include <stdio.h>
#include <unistd.h>
int main(void) {
    char buffer[64];
    size_t n = fread(buffer, 1, sizeof buffer - 1, stdin);
    buffer[n] = 0;
    printf("uid=%d input=%s", (int)getuid(), buffer);
    fputs("to stderr\n", stderr);
    return 7;
}
""",
}

# Uids of their own, so sandboxes of concurrent test runs cannot be mistaken for leftovers.
UID_BASE = 62100
REDUCED_UID = 62200
LIMITS = ResourceLimits(cpu_time_s=1.0, wall_time_s=2.0, memory_mb=64, processes=16)


@pytest.fixture(scope="module")
def programs() -> Iterator[Path]:
    """A world-readable box holding every program above, compiled on the host."""
    with compiled_programs(PROGRAMS) as box:
        yield box


@pytest.fixture(scope="module")
def sandbox() -> Iterator[LocalSandbox]:
    with full_sandbox(UID_BASE) as box:
        yield box


def run(
    sandbox: LocalSandbox,
    box: Path,
    *argv: str,
    limits: ResourceLimits = LIMITS,
    stdin: bytes = b"",
) -> ExecutionResult:
    return run_in(sandbox, box, *argv, limits=limits, stdin=stdin)


def test_runs_as_an_unprivileged_uid_with_stdin_exit_code_and_stderr(sandbox, programs):
    result = run(sandbox, programs, "./whoami", stdin=b"hello\n")
    assert result.termination is Termination.EXITED
    assert result.exit_code == 7
    assert result.stdout.startswith(f"uid={UID_BASE}".encode())
    assert result.stdout.endswith(b"input=hello\n")
    assert result.stderr == b"to stderr\n"
    assert result.peak_memory_kb > 0


def test_connecting_to_a_host_listener_fails(sandbox, programs):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        accepted: list[object] = []
        listener.settimeout(3)

        def accept() -> None:
            with contextlib.suppress(OSError):
                accepted.append(listener.accept())

        thread = threading.Thread(target=accept)
        thread.start()
        result = run(sandbox, programs, "./connect", str(port))
        thread.join()
    assert result.exit_code == 1
    assert b"connected" not in result.stdout
    assert b"socket" in result.stderr or b"connect" in result.stderr
    assert not accepted


def test_a_host_file_outside_the_box_cannot_be_read(sandbox, programs, tmp_path):
    secret = Path("/var/tmp") / f"bj-secret-{os.getpid()}"
    secret.write_text("the answer key\n")
    secret.chmod(0o644)
    try:
        for path in (str(secret), "/etc/passwd", "/root/.bashrc", str(Path.cwd() / "README.md")):
            result = run(sandbox, programs, "./readfile", path)
            assert result.exit_code == 1, path
            assert result.stdout == b"", path
    finally:
        secret.unlink()


def test_nothing_outside_the_box_can_be_written(sandbox, programs):
    target = Path("/var/tmp") / f"bj-pwned-{os.getpid()}"
    attempts = [
        str(target),
        "/pwned",
        "/box/pwned",
        "/usr/pwned",
        "/etc/pwned",
        "/dev/pwned",
        "/proc/pwned",
    ]
    result = run(sandbox, programs, "./writefile", *attempts)
    assert result.exit_code == 0, result.stdout
    assert not target.exists()
    assert not (programs / "pwned").exists()
    assert not Path("/pwned").exists()


def test_dangerous_syscalls_are_refused(sandbox, programs):
    result = run(sandbox, programs, "./ptrace")
    assert result.exit_code == 1
    assert b"Operation not permitted" in result.stderr


def test_no_process_survives_an_execution(sandbox, programs):
    result = run(sandbox, programs, "./orphan")
    assert result.stdout == b"parent done\n"
    for index in range(2):
        assert processes_of(UID_BASE + index) == []


def test_a_fork_bomb_is_contained_and_later_runs_work(sandbox, programs):
    result = run(sandbox, programs, "./forkbomb")
    assert result.termination is Termination.TIME_LIMIT
    for index in range(2):
        assert processes_of(UID_BASE + index) == []
    after = run(sandbox, programs, "./whoami", stdin=b"again\n")
    assert after.exit_code == 7
    assert after.stdout.endswith(b"input=again\n")


def test_a_memory_hog_ends_as_memory_limit(sandbox, programs):
    result = run(sandbox, programs, "./memhog")
    assert result.termination is Termination.MEMORY_LIMIT
    assert result.peak_memory_kb >= 60 * 1024


def test_cpu_spin_ends_as_time_limit_with_cpu_reported(sandbox, programs):
    result = run(sandbox, programs, "./spin")
    assert result.termination is Termination.TIME_LIMIT
    assert result.cpu_time_s >= 0.9


def test_cpu_shared_by_many_processes_is_counted_for_the_group(sandbox, programs):
    result = run(sandbox, programs, "./spinners")
    assert result.termination is Termination.TIME_LIMIT
    # Four spinners on two cores reach one CPU second long before any one process does.
    assert result.wall_time_s < 1.5


def test_sleeping_ends_at_the_wall_time_limit(sandbox, programs):
    result = run(sandbox, programs, "/usr/bin/sleep", "30")
    assert result.termination is Termination.TIME_LIMIT
    assert 1.9 < result.wall_time_s < 5


def test_an_output_flood_ends_as_output_limit(sandbox, programs):
    limits = ResourceLimits(cpu_time_s=2, wall_time_s=4, memory_mb=64, output_bytes=1 << 20)
    result = run(sandbox, programs, "./flood", limits=limits)
    assert result.termination is Termination.OUTPUT_LIMIT
    assert len(result.stdout) == 1 << 20


def test_a_signal_is_reported(sandbox, programs):
    result = run(sandbox, programs, "./segfault")
    assert result.termination is Termination.SIGNALED
    assert result.signal == 11


def test_reduced_mode_without_bubblewrap_still_runs_and_cleans_up(sandbox, programs, tmp_path):
    full = sandbox.strength()
    reduced = replace(full, bwrap=None, gaps=[*full.gaps, "bubblewrap disabled for this test"])
    state = Path(tempfile.mkdtemp(prefix="bj-reduced-", dir="/var/tmp"))
    state.chmod(0o755)
    box = LocalSandbox(
        SandboxConfig(state_dir=state, slots=1, uid_base=REDUCED_UID), strength=reduced
    )
    try:
        assert "REDUCED" in box.strength().describe()
        request = SandboxRequest(
            argv=["/bin/sh", "-c", "./whoami; touch $BJ_TMP/scratch && echo tmp-ok; pwd"],
            box=programs,
            limits=LIMITS,
            stdin=b"reduced\n",
        )
        result = asyncio.run(box.execute(request))
        assert result.stdout.splitlines() == [
            f"uid={REDUCED_UID} input=reduced".encode(),
            b"tmp-ok",
            str(programs).encode(),
        ]
        orphan = asyncio.run(
            box.execute(SandboxRequest(argv=["./orphan"], box=programs, limits=LIMITS))
        )
        assert orphan.stdout == b"parent done\n"
        assert processes_of(REDUCED_UID) == []
        spin = asyncio.run(
            box.execute(SandboxRequest(argv=["./spin"], box=programs, limits=LIMITS))
        )
        assert spin.termination is Termination.TIME_LIMIT
    finally:
        asyncio.run(box.aclose())
        subprocess.run(["rm", "-rf", str(state)], check=True)


def test_sandboxes_starting_at_once_share_one_state_dir(programs):
    """Grading worker threads each start a sandbox on the same state dir at the same time
    (the launcher build and the seccomp filter must not trip over each other)."""
    state = Path(tempfile.mkdtemp(prefix="bj-shared-state-", dir="/var/tmp"))
    state.chmod(0o755)
    outcomes: dict[int, object] = {}

    def start_and_run(index: int) -> None:
        box = LocalSandbox(SandboxConfig(state_dir=state, slots=1, uid_base=UID_BASE + 20 + index))
        try:
            outcomes[index] = run(box, programs, "./whoami", stdin=b"x\n").exit_code
        except Exception as exc:  # the assertion below shows which thread failed and how
            outcomes[index] = exc
        finally:
            asyncio.run(box.aclose())

    threads = [threading.Thread(target=start_and_run, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subprocess.run(["rm", "-rf", str(state)], check=True)
    assert outcomes == {0: 7, 1: 7, 2: 7, 3: 7}

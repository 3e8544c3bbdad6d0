"""The sandbox attack suite: what a hostile submission tries beyond test_sandbox.py's basics,
and how each attempt ends. Every test asserts both that the attack is contained and the
verdict (termination) the execution gets; docs/sandbox.md lists what contains each one."""

import asyncio
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchjudge.domain.errors import SandboxError
from batchjudge.domain.styles import Mode, Style
from batchjudge.execution.factory import local_backend
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.sandbox import LocalSandbox
from batchjudge.execution.outcome import ExecutionResult, Termination
from batchjudge.grading.options import GradeOptions
from batchjudge.grading.pipeline import grade
from batchjudge.grading.submission import Submission
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.package import load_problem
from batchjudge.settings import Settings
from support.sandboxing import (
    compiled_programs,
    full_sandbox,
    processes_of,
    reachable_folder,
    remove_folder,
)
from support.sandboxing import run as run_in
from support.teaching import Teaching, teaching

pytestmark = pytest.mark.sandbox

PROGRAMS = {
    # Every way to trace a process: itself, a sibling, its parent (pid 1 of the box), and
    # reading another process's memory without ptrace.
    "tracer": r"""
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
static void report(const char *what, long rc) {
    printf("%s %s\n", what, rc == -1 ? strerror(errno) : "ALLOWED");
    fflush(stdout);
}
int main(void) {
    pid_t sibling = fork();
    if (sibling == 0) { for (;;) pause(); }
    pid_t child = fork();
    if (child == 0) {
        report("attach-parent", ptrace(PTRACE_ATTACH, getppid(), 0, 0));
        report("seize-pid1", ptrace(PTRACE_SEIZE, 1, 0, 0));
        _exit(0);
    }
    waitpid(child, NULL, 0);
    report("attach-sibling", ptrace(PTRACE_ATTACH, sibling, 0, 0));
    char buffer[16];
    struct iovec local = {buffer, sizeof buffer}, remote = {(void *)&report, sizeof buffer};
    report("vm-readv-sibling", process_vm_readv(sibling, &local, 1, &remote, 1, 0));
    report("traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
    return 0;
}
""",
    # Identity after exec: real, effective and saved uid, whether uid 0 can be had, and the
    # kernel's own view (no_new_privs, capabilities).
    "identity": r"""
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("uids %d %d %d\n", (int)r, (int)e, (int)s);
    printf("setuid0 %s\n", setresuid(0, 0, 0) == 0 ? "ALLOWED" : strerror(errno));
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    while (status && fgets(line, sizeof line, status)) {
        if (!strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "CapEff:", 7) ||
            !strncmp(line, "CapPrm:", 7))
            fputs(line, stdout);
    }
    return 0;
}
""",
    # Copies /box/identity to /box/planted and makes the copy setuid, setgid and writable by
    # all, and a setgid folder writable by all: the host must not end up holding any of
    # them (the box is chowned back to it).
    "plant_setuid": r"""
#include <stdio.h>
#include <sys/stat.h>
int main(void) {
    FILE *from = fopen("/box/identity", "rb"), *to = fopen("/box/planted", "wb");
    if (!from || !to) { perror("copy"); return 1; }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, from)) > 0) fwrite(buffer, 1, n, to);
    fclose(to);
    if (chmod("/box/planted", 06777) != 0) { perror("chmod"); return 1; }
    if (mkdir("/box/planted_dir", 02777) != 0) { perror("mkdir"); return 1; }
    puts("planted");
    return 0;
}
""",
    # Links in the writable box towards host files and folders, then reads through them;
    # argv: host file, host folder.
    "linker": r"""
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void try_read(const char *path) {
    FILE *f = fopen(path, "r");
    char line[256] = "";
    if (!f) { printf("%s %s\n", path, strerror(errno)); return; }
    if (!fgets(line, sizeof line, f)) strcpy(line, "(empty)\n");
    printf("%s READ %s", path, line);
    fclose(f);
}
int main(int argc, char **argv) {
    symlink(argv[1], "/box/to_file");
    symlink(argv[2], "/box/to_folder");
    symlink("/etc/shadow", "/box/to_shadow");
    symlink("/proc/1/root/etc/shadow", "/box/to_root_shadow");
    printf("hardlink %s\n", link(argv[1], "/box/hard") == 0 ? "ALLOWED" : strerror(errno));
    printf("hardlink-usr %s\n",
           link("/usr/bin/true", "/box/hard_usr") == 0 ? "ALLOWED" : strerror(errno));
    try_read("/box/to_file");
    try_read("/box/to_shadow");
    try_read("/box/to_root_shadow");
    char inside[512];
    snprintf(inside, sizeof inside, "/box/to_folder/%s", "secret.txt");
    try_read(inside);
    return 0;
}
""",
    # Fills /dev/shm until the kernel says no; reports how much fitted.
    "shm_fill": r"""
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    static char chunk[1 << 16];
    memset(chunk, 'x', sizeof chunk);
    int fd = open("/dev/shm/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { printf("open %s\n", strerror(errno)); return 0; }
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n <= 0) { printf("wrote %ld then %s\n", total, strerror(errno)); break; }
        total += n;
        if (total > (1L << 30)) { printf("wrote %ld UNBOUNDED\n", total); break; }
    }
    return 0;
}
""",
    # Starts threads that never end until creation fails, reports the count, then keeps
    # hammering pthread_create: contained means bounded, then a time limit.
    "thread_bomb": r"""
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void *idle(void *arg) { (void)arg; for (;;) pause(); return NULL; }
int main(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    long created = 0;
    for (;;) {
        pthread_t thread;
        int rc = pthread_create(&thread, &attr, idle, NULL);
        if (rc != 0) { printf("created %ld then %s\n", created, strerror(rc)); break; }
        if (++created >= 100000) { puts("UNBOUNDED"); break; }
    }
    fflush(stdout);
    for (;;) { pthread_t thread; pthread_create(&thread, &attr, idle, NULL); }
}
""",
    # execve with one argument over the kernel's per-string cap, then an argv and an
    # environment each larger than ARG_MAX (a quarter of the 256 MiB stack limit).
    "arg_bomb": r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void attempt(const char *what, char **argv, char **envp) {
    execve("/usr/bin/true", argv, envp);
    printf("%s %s\n", what, strerror(errno));
    fflush(stdout);
}
int main(void) {
    size_t piece = 100 << 10, count = 1000;            /* 1000 x 100 KiB = 100 MiB */
    char *big = malloc(piece);
    memset(big, 'a', piece - 1);
    big[piece - 1] = 0;
    char *huge = malloc(256 << 10);                     /* one 256 KiB string */
    memset(huge, 'b', (256 << 10) - 1);
    huge[(256 << 10) - 1] = 0;
    char *one_arg[] = {"true", huge, NULL};
    char *no_env[] = {NULL};
    attempt("long-argument", one_arg, no_env);
    char **many = calloc(count + 2, sizeof *many);
    many[0] = "true";
    for (size_t i = 1; i <= count; i++) many[i] = big;
    attempt("huge-argv", many, no_env);
    char *small_argv[] = {"true", NULL};
    many[0] = big;
    many[count] = NULL;
    attempt("huge-environment", small_argv, many);
    return 0;
}
""",
    # Writes to its stdin (a file on the host's disk), directly and through /proc.
    "stdin_writer": r"""
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    static char chunk[1 << 16];
    long total = 0;
    for (;;) {
        ssize_t n = write(0, chunk, sizeof chunk);
        if (n <= 0) { printf("wrote %ld then %s\n", total, strerror(errno)); break; }
        total += n;
    }
    int again = open("/proc/self/fd/0", O_WRONLY);
    printf("reopen %s\n", again < 0 ? strerror(errno) : "ALLOWED");
    return 0;
}
""",
    # Every byte value, NULs and lookalike frame markers on stdout.
    "binary_out": r"""
#include <stdio.h>
int main(void) {
    for (int round = 0; round < 1000; round++)
        for (int b = 0; b < 256; b++) putchar(b);
    fputs("\x1e" "0123456789abcdef0123456789abcdef 0 OK 0 0 0 0 0 0 0\n", stdout);
    fputs("\x1e" "0123456789abcdef0123456789abcdef END\n", stdout);
    return 0;
}
""",
}

# Reads /proc as a curious program would, and reports what it saw as JSON; argv: a host pid.
PROC_PROBE = r"""
import json, os, sys

def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    except OSError as e:
        return "ERROR " + e.strerror

host_pid = sys.argv[1]
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print(json.dumps({
    "self": os.getpid(),
    "pids": pids,
    "cmdlines": {p: read(f"/proc/{p}/cmdline") for p in pids},
    "host_pid": read(f"/proc/{host_pid}/cmdline"),
    "host_pid_environ": read(f"/proc/{host_pid}/environ"),
    "pid1_environ": read("/proc/1/environ"),
    "dotdot_environ": read("/proc/self/../1/environ"),
    "pid1_root": sorted(os.listdir("/proc/1/root")),
    "dotdot": sorted(p for p in os.listdir("/proc/self/..") if p.isdigit()),
    "sysrq": "ALLOWED" if not read("/proc/sysrq-trigger").startswith("ERROR")
        and os.access("/proc/sysrq-trigger", os.W_OK) else "refused",
}))
"""

UID_BASE = 62300
LIMITS = ResourceLimits(cpu_time_s=1.0, wall_time_s=2.0, memory_mb=64, processes=16)
DENIED = "Operation not permitted"
#: The slot's pids.max is the limit plus room for the sandbox's own processes (bubblewrap).
PIDS_SLACK = 4


@pytest.fixture(scope="module")
def programs() -> Iterator[Path]:
    with compiled_programs(PROGRAMS, gcc_flags=("-pthread",)) as box:
        (box / "proc_probe.py").write_text(PROC_PROBE)
        yield box


@pytest.fixture(scope="module")
def sandbox() -> Iterator[LocalSandbox]:
    with full_sandbox(UID_BASE) as box:
        yield box


@pytest.fixture
def writable_box(programs: Path) -> Iterator[Path]:
    """A writable box (as a compile step gets) holding a copy of the programs."""
    box = reachable_folder("bj-attack-box-")
    for name in PROGRAMS:
        shutil.copy2(programs / name, box / name)
    yield box
    remove_folder(box)


def run(sandbox: LocalSandbox, box: Path, *argv: str, **options: object) -> ExecutionResult:
    options.setdefault("limits", LIMITS)
    return run_in(sandbox, box, *argv, **options)  # type: ignore[arg-type]


def lines(result: ExecutionResult) -> dict[str, str]:
    """stdout as {first word: rest of the line}."""
    found = {}
    for line in result.stdout.decode().splitlines():
        key, *rest = line.split(None, 1)
        found[key] = rest[0] if rest else ""
    return found


def assert_no_leftovers() -> None:
    for index in range(2):
        assert processes_of(UID_BASE + index) == []


def assert_sandbox_still_works(sandbox: LocalSandbox, programs: Path) -> None:
    after = run(sandbox, programs, "./identity")
    assert after.termination is Termination.EXITED
    assert after.exit_code == 0
    assert int(lines(after)["uids"].split()[0]) in (UID_BASE, UID_BASE + 1)


# ---------------------------------------------------------------- ptrace


def test_ptrace_of_self_sibling_parent_and_pid_1_is_refused(sandbox, programs):
    result = run(sandbox, programs, "./tracer")
    assert result.termination is Termination.EXITED
    assert result.exit_code == 0
    seen = lines(result)
    assert set(seen) == {
        "attach-parent",
        "seize-pid1",
        "attach-sibling",
        "vm-readv-sibling",
        "traceme",
    }
    assert all(outcome == DENIED for outcome in seen.values()), seen
    assert_no_leftovers()


# ---------------------------------------------------------------- /proc


def test_proc_shows_only_the_box_and_no_host_process(sandbox, programs, monkeypatch):
    monkeypatch.setenv("BJ_ATTACK_SECRET", "host-secret-value")
    host_init = Path("/proc/1/cmdline").read_bytes().decode("latin-1")
    result = run(
        sandbox,
        programs,
        "/usr/bin/python3",
        "-I",
        "-S",
        "/box/proc_probe.py",
        str(os.getpid()),
    )
    assert result.termination is Termination.EXITED, result.stderr
    seen = json.loads(result.stdout)
    # A pid namespace of its own: the probe is pid 1 and the only process there is.
    assert seen["self"] == 1
    assert seen["pids"] == [1]
    assert "proc_probe.py" in seen["cmdlines"]["1"]
    assert host_init not in seen["cmdlines"].values()
    assert seen["host_pid"].startswith("ERROR")
    assert seen["host_pid_environ"].startswith("ERROR")
    # /proc/1 and /proc/self/.. lead back into the box, never to the host's init.
    for environ in (seen["pid1_environ"], seen["dotdot_environ"]):
        assert "host-secret-value" not in environ
        names = sorted(item.split("=")[0] for item in environ.split("\0") if item)
        assert names == ["BJ_TMP", "HOME", "LANG", "PATH", "PWD"]
    assert seen["dotdot"] == ["1"]
    assert "box" in seen["pid1_root"]
    assert "root" not in seen["pid1_root"]
    assert "etc" not in seen["pid1_root"]
    assert seen["sysrq"] == "refused"


# ---------------------------------------------------------------- setuid


def test_a_setuid_root_binary_does_not_raise_privileges(sandbox, programs):
    planted = programs / "identity_setuid_root"
    shutil.copy2(programs / "identity", planted)
    os.chown(planted, 0, 0)
    planted.chmod(0o4755 | stat.S_ISGID)
    try:
        result = run(sandbox, programs, "./identity_setuid_root")
    finally:
        planted.unlink()
    assert result.termination is Termination.EXITED
    seen = lines(result)
    uid = seen["uids"].split()[0]
    assert int(uid) in (UID_BASE, UID_BASE + 1)
    assert seen["uids"].split() == [uid, uid, uid]
    # Not even EPERM: uid 0 does not exist in the box's user namespace, where only the
    # slot's own uid is mapped.
    assert seen["setuid0"] == "Invalid argument"
    assert seen["NoNewPrivs:"] == "1"
    assert int(seen["CapEff:"], 16) == 0
    assert int(seen["CapPrm:"], 16) == 0


def test_system_setuid_programs_stay_unprivileged(sandbox, programs):
    su = shutil.which("su", path="/usr/bin:/bin")
    assert su is not None
    assert os.stat(su).st_mode & stat.S_ISUID, "su is setuid root on this host"
    result = run(sandbox, programs, su, "-c", "/box/identity", "root")
    # su starts (its own complaint is on stderr) and gets nowhere. The box has no user
    # database either, so the setuid-root copy above is the test that proves the setuid
    # bit itself is void.
    assert result.termination is Termination.EXITED
    assert result.exit_code != 0
    assert result.stderr.startswith(b"su: ")
    assert b"uids" not in result.stdout


def test_a_setuid_file_planted_in_a_writable_box_is_not_setuid_on_the_host(sandbox, writable_box):
    result = run(sandbox, writable_box, "./plant_setuid", box_writable=True)
    assert (result.termination, result.stdout) == (Termination.EXITED, b"planted\n"), result
    unsafe = stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH
    for name in ("planted", "planted_dir"):
        planted = (writable_box / name).stat()
        assert planted.st_uid == os.geteuid()
        assert not planted.st_mode & unsafe, (name, oct(planted.st_mode))


# ---------------------------------------------------------------- symlinks


@pytest.fixture
def host_secrets() -> Iterator[tuple[Path, Path]]:
    """A host file and a host folder holding a file, both owned by a uid that is neither
    ours nor the sandbox's, mode 0600: a host that followed a link would change them."""
    outside = reachable_folder("bj-attack-host-")
    secret = outside / "secret.txt"
    secret.write_text("the answer key\n")
    folder = outside / "folder"
    folder.mkdir()
    (folder / "secret.txt").write_text("more answers\n")
    for path in (secret, folder, folder / "secret.txt"):
        os.chown(path, 62399, 62399)
        path.chmod(0o600 if path.is_file() else 0o700)
    yield secret, folder
    remove_folder(outside)


def _ownership(*paths: Path) -> list[tuple[int, int, int]]:
    return [(p.stat().st_uid, p.stat().st_gid, stat.S_IMODE(p.stat().st_mode)) for p in paths]


def test_symlinks_to_host_files_lead_nowhere_and_the_host_does_not_follow_them(
    sandbox, writable_box, host_secrets
):
    secret, folder = host_secrets
    watched = (secret, folder, folder / "secret.txt")
    before = _ownership(*watched)
    for _ in range(2):  # the second run chowns a box that already holds the links
        result = run(sandbox, writable_box, "./linker", str(secret), str(folder), box_writable=True)
        assert result.termination is Termination.EXITED
        assert result.exit_code == 0
        assert b"READ" not in result.stdout, result.stdout
        assert b"answer" not in result.stdout
        assert lines(result)["hardlink"] == "No such file or directory"
        # Hard links cannot cross the box's mount, so nothing in it is a host file's inode.
        assert lines(result)["hardlink-usr"] == "Invalid cross-device link"
        assert _ownership(*watched) == before
    assert secret.read_text() == "the answer key\n"
    link = writable_box / "to_file"
    assert link.is_symlink()
    assert link.lstat().st_uid == os.geteuid()


# ---------------------------------------------------------------- /dev/shm, stdin


def _host_shm_used() -> int:
    info = os.statvfs("/dev/shm")
    return (info.f_blocks - info.f_bfree) * info.f_frsize


def test_filling_dev_shm_is_bounded_and_private(sandbox, programs):
    used_before = _host_shm_used()
    result = run(sandbox, programs, "./shm_fill")
    assert result.termination is Termination.EXITED
    written = re.fullmatch(rb"wrote (\d+) then No space left on device\n", result.stdout)
    assert written is not None, result.stdout
    assert 0 < int(written[1]) <= 4 << 20
    assert not Path("/dev/shm/fill").exists()
    assert _host_shm_used() - used_before < 4 << 20
    assert_sandbox_still_works(sandbox, programs)


def test_stdin_cannot_be_written_to_fill_the_host_disk(sandbox, programs):
    result = run(sandbox, programs, "./stdin_writer", stdin=b"input\n")
    assert result.termination is Termination.EXITED
    assert lines(result) == {
        "wrote": "0 then Bad file descriptor",
        "reopen": "Permission denied",
    }


# ---------------------------------------------------------------- thread bomb


def test_a_c_thread_bomb_is_held_by_the_process_limit(sandbox, programs):
    result = run(sandbox, programs, "./thread_bomb")
    assert result.termination is Termination.TIME_LIMIT
    created = re.fullmatch(rb"created (\d+) then Resource temporarily unavailable\n", result.stdout)
    assert created is not None, result.stdout
    assert int(created[1]) < LIMITS.processes + PIDS_SLACK
    assert_no_leftovers()
    assert_sandbox_still_works(sandbox, programs)


def test_a_python_thread_bomb_is_held_by_the_process_limit(sandbox, programs):
    bomb = (
        "import threading, time\n"
        "started = 0\n"
        "try:\n"
        "    while True:\n"
        "        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
        "        started += 1\n"
        "except RuntimeError as error:\n"
        "    print('started', started, error, flush=True)\n"
        "    raise\n"
    )
    result = run(sandbox, programs, "/usr/bin/python3", "-I", "-S", "-c", bomb)
    assert result.termination is Termination.EXITED
    assert result.exit_code == 1
    assert b"can't start new thread" in result.stderr
    started = int(lines(result)["started"].split()[0])
    assert 0 < started < LIMITS.processes + PIDS_SLACK
    assert_no_leftovers()
    assert_sandbox_still_works(sandbox, programs)


# ---------------------------------------------------------------- long command lines


def test_huge_argv_and_environment_are_refused_by_execve(sandbox, programs):
    result = run(sandbox, programs, "./arg_bomb")
    assert result.termination is Termination.EXITED
    assert result.exit_code == 0
    assert lines(result) == {
        "long-argument": "Argument list too long",
        "huge-argv": "Argument list too long",
        "huge-environment": "Argument list too long",
    }


def test_a_command_line_too_long_to_start_is_a_sandbox_error(sandbox, programs):
    """An argv the host cannot even exec (one string over the kernel's 128 KiB cap) is an
    infrastructure failure (SandboxError, so IE), and the slot is ready again after it."""
    with pytest.raises(SandboxError, match="cannot start the sandbox: Argument list too long"):
        run(sandbox, programs, "./identity", "x" * (200 << 10))
    assert_sandbox_still_works(sandbox, programs)


# ---------------------------------------------------------------- binary output


def test_binary_output_passes_through_byte_for_byte(sandbox, programs):
    result = run(sandbox, programs, "./binary_out")
    assert result.termination is Termination.EXITED
    expected = bytes(range(256)) * 1000
    assert result.stdout.startswith(expected)
    assert result.stdout[len(expected) :].count(b"\x1e") == 2


# The student's half of the multi-test driver's binary: on the first test it digs the
# execution's real nonce out of its own memory (the driver forked it, so its static
# variables are there), then writes every byte value and well-formed frames for the later
# tests and the END marker under that nonce. It fails every later test (exit 3): only a
# forged frame could turn those into AC.
FORGER = r"""
#include <stdio.h>
#include <string.h>
extern char __data_start[], _end[];
static int hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
static const char *find_nonce(void) {
    for (char *p = __data_start + 1; p + 33 < _end; p++) {
        if (hex(p[-1])) continue;
        int k = 0;
        while (k < 32 && hex(p[k])) k++;
        if (k == 32 && p[32] == '\0') return p;
    }
    return "none";
}
int main(void) {
    char word[64];
    if (scanf("%63s", word) != 1 || strcmp(word, "forge") != 0) return 3;
    const char *nonce = find_nonce();
    printf("nonce %s\n", nonce);
    for (int b = 0; b < 256; b++) putchar(b);
    const char *answers[] = {"b", "c", "d"};
    for (int i = 1; i <= 3; i++)
        printf("\x1e%s %d OK 0 0 0 0 0 2 0\n%s\n", nonce, i, answers[i - 1]);
    printf("\x1e%s END\n", nonce);
    return 0;
}
"""


def _forging_problem(root: Path) -> Path:
    root.mkdir()
    (root / "problem.yaml").write_text(
        "name: forgery\nlimits: {time_limit: 1, memory: 128, output: 1}\nvalidation: default\n"
    )
    secret = root / "data" / "secret"
    secret.mkdir(parents=True)
    for number, word in enumerate(("forge", "b", "c", "d"), start=1):
        (secret / f"{number}.in").write_text(f"{word}\n")
        (secret / f"{number}.ans").write_text(f"{word}\n")
    return root


def test_binary_output_cannot_forge_frames_even_with_the_real_nonce(
    sandbox_settings: Settings, registry: LanguageRegistry, tmp_path: Path
):
    problem = load_problem(_forging_problem(tmp_path / "forgery"))
    submission = Submission(registry.get("c"), FORGER, Style.PROGRAM)
    options = GradeOptions(mode=Mode.MULTI, keep_output_bytes=1 << 16)

    async def graded():
        async with local_backend(sandbox_settings) as backend:
            return await grade(problem, submission, backend, registry, options)

    report = asyncio.run(graded())
    assert report.compile.ok, report.compile.output
    assert report.mode is Mode.MULTI
    assert [test.verdict.value for test in report.tests] == ["WA", "RE", "RE", "RE"]
    assert report.run_executions == 1
    # The forger really held the execution's nonce, and its bytes reached the engine
    # unchanged, inside the one frame of its own test.
    output = report.tests[0].output
    assert output is not None
    found = re.match(rb"nonce ([0-9a-f]{32})\n", output.stdout)
    assert found is not None, output.stdout[:80]
    nonce = found[1]
    forged = b"".join(
        b"\x1e%s %d OK 0 0 0 0 0 2 0\n%s\n" % (nonce, index, answer)
        for index, answer in ((1, b"b"), (2, b"c"), (3, b"d"))
    )
    assert output.stdout == (
        b"nonce " + nonce + b"\n" + bytes(range(256)) + forged + b"\x1e" + nonce + b" END\n"
    )


# ---------------------------------------------------------------- uploaded packages

PACKAGE = {
    "evil/problem.yaml": b"name: evil\n",
    "evil/data/secret/1.in": b"1\n",
    "evil/data/secret/1.ans": b"1\n",
}


def _zip(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A zip of `entries`, with the symbolic-link entries of `links` (name -> target)
    first, as an attacker orders them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix, so external_attr carries the file type
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
        for name, data in entries.items():
            # A ZipInfo of our own: zipfile's writestr cannot name an entry "" itself.
            archive.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _zip_bomb(entries: int, mib_each: int) -> bytes:
    buffer = io.BytesIO()
    zero = b"\0" * (1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in PACKAGE.items():
            archive.writestr(name, data)
        for k in range(entries):
            with archive.open(f"evil/data/secret/big{k}.in", "w", force_zip64=True) as out:
                for _ in range(mib_each):
                    out.write(zero)
    return buffer.getvalue()


def _tar_with_links(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        link = tarfile.TarInfo("evil/data")
        link.type = tarfile.SYMTYPE
        link.linkname = str(folder)
        archive.addfile(link)
        for name, data in PACKAGE.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Teaching]:
    """The service in-process on SQLite (uploads need no sandbox)."""
    data_dir = reachable_folder("bj-attack-service-")
    database = tmp_path_factory.mktemp("attacks") / "batchjudge.sqlite3"
    try:
        with teaching(f"sqlite:///{database}", data_dir) as running:
            yield running
    finally:
        remove_folder(data_dir)


@pytest.fixture
def escape() -> Iterator[tuple[str, Path]]:
    """A unique name, and a host folder an upload would write into if it escaped."""
    name = f"bj-escape-{uuid.uuid4().hex}"
    folder = reachable_folder("bj-attack-target-")
    yield name, folder
    remove_folder(folder)


def _escape_targets(name: str, folder: Path) -> list[Path]:
    tmp = Path(tempfile.gettempdir())
    return [tmp / name, tmp.parent / name, Path("/var/tmp") / name, folder / name, Path("/") / name]


def _hostile_package(attack: str, name: str, folder: Path) -> tuple[bytes, str]:
    """The upload for `attack` (escaping as `name`, or into `folder`) and the reason it
    must be refused for."""
    outside = "points outside the package"
    packages = {
        "dotdot": lambda: (_zip({**PACKAGE, f"../{name}": b"x"}), outside),
        "deep-dotdot": lambda: (_zip({**PACKAGE, f"evil/data/../../../{name}": b"x"}), outside),
        "backslash-dotdot": lambda: (_zip({**PACKAGE, f"..\\{name}": b"x"}), outside),
        "absolute": lambda: (_zip({**PACKAGE, f"{folder}/{name}": b"x"}), outside),
        "symlink-file": lambda: (
            _zip(PACKAGE, links={"evil/data/secret/2.ans": "/etc/shadow"}),
            "'evil/data/secret/2.ans' is a symbolic link",
        ),
        "symlink-folder": lambda: (
            _zip({**PACKAGE, f"evil/data/{name}": b"x"}, links={"evil/data": str(folder)}),
            "'evil/data' is a symbolic link",
        ),
        "zip-bomb-ratio": lambda: (_zip_bomb(1, 20), "compressed suspiciously well"),
        "zip-bomb-size": lambda: (_zip_bomb(3, 200), "unpacks to more than 512 MiB"),
        "tar-with-symlink-folder": lambda: (_tar_with_links(folder), "not a zip archive"),
        "blank-name": lambda: (_zip({**PACKAGE, "": b"x"}), "has no usable name"),
        "file-folder-clash": lambda: (
            _zip({"evil/data": b"x", **PACKAGE}),
            "cannot unpack 'evil/data/secret/1.in'",
        ),
    }
    return packages[attack]()


ATTACKS = [
    "dotdot",
    "deep-dotdot",
    "backslash-dotdot",
    "absolute",
    "symlink-file",
    "symlink-folder",
    "zip-bomb-ratio",
    "zip-bomb-size",
    "tar-with-symlink-folder",
    "blank-name",
    "file-folder-clash",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_package_upload_is_refused_and_writes_nothing_outside(
    service: Teaching, escape: tuple[str, Path], attack: str
):
    name, folder = escape
    data, reason = _hostile_package(attack, name, folder)
    before = service.api("GET", "/api/v1/problems", "tom").json()
    files = {"package": ("evil.zip", data, "application/zip")}
    answer = service.api("POST", "/api/v1/problems", "tom", files=files)
    error = answer.json()["error"]
    if attack == "zip-bomb-size":
        # The upload's unpacked size is bounded before the importer sees it (413).
        assert (answer.status_code, error["code"]) == (413, "too_large"), answer.text
    else:
        assert (answer.status_code, error["code"]) == (422, "bad_package"), answer.text
    assert error["message"].startswith("evil.zip: ")
    assert reason in error["message"]
    assert service.api("GET", "/api/v1/problems", "tom").json() == before
    for target in _escape_targets(name, folder):
        assert not target.exists(), target
    assert list(folder.iterdir()) == []

"""The fork-per-test drivers (C, C++, Python) built and run directly on this host.

Each driver is compiled with its language's own compile command (minus the precompiled
header), fed a BJ1 batch on stdin and judged by the frames it writes. The drivers empty /tmp
after every test, so each run happens in a private user and mount namespace with its own /tmp
(unshare(1)), without capabilities (setpriv(1)), much as in the sandbox.

One scenario program per language (C and C++ share one source) does what the first word of
its input says, so each language and style is compiled once per session.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from batchjudge.languages.commands import render_command
from batchjudge.languages.framing import BatchItem, Frame, encode_batch, parse_frames
from support.drivers import (
    MLE,
    OK,
    OLE,
    RE,
    TLE,
    TRICKY,
    Driver,
    Run,
    language,
    make_case,
    numbered,
    outputs,
    statuses,
)

pytestmark = pytest.mark.sandbox

SIGINT, SIGABRT, SIGKILL, SIGSEGV, SIGXFSZ = 2, 6, 9, 11, 25


def _c_literal(data: bytes) -> str:
    return '"' + "".join(f"\\x{byte:02x}" for byte in data) + '"'


# One scenario program, valid C and C++; the first word of the input picks what it does.
C_SCENARIOS = r"""
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __cplusplus
#include <iostream>
#include <new>
#include <stdexcept>
#endif

static int calls;
static long constructor_pid;
__attribute__((constructor)) static void remember_pid(void) { constructor_pid = (long)getpid(); }
#ifdef __cplusplus
static long initializer_pid = (long)getpid(); /* dynamic initialization */
#else
#define initializer_pid ((long)getpid())
#endif

static void bye(void) { printf("bye\n"); }

static void rest_of_line(void) {
    int c;
    while ((c = getchar()) != '\n' && c != EOF) {
    }
}

static int scenario(int argc, char **argv) {
    char word[32];
    if (scanf("%31s", word) != 1) return 7;
    calls++;
    if (!strcmp(word, "sum")) {
        long a, b;
        if (scanf("%ld %ld", &a, &b) != 2) return 8;
        printf("%ld\n", a + b);
    } else if (!strcmp(word, "count")) {
        printf("%d\n", calls);
    } else if (!strcmp(word, "init")) {
        printf("%s\n", constructor_pid == (long)getpid() && initializer_pid == (long)getpid()
                           ? "child" : "parent");
    } else if (!strcmp(word, "args")) {
        printf("%d %s\n", argc, argc > 0 ? argv[0] : "-");
    } else if (!strcmp(word, "eof")) {
        unsigned long total = 0, sum = 0;
        int c;
        rest_of_line();
        while ((c = getchar()) != EOF) {
            total++;
            sum = (sum + (unsigned long)c) % 1000000007UL;
        }
        printf("%lu %lu\n", total, sum);
    } else if (!strcmp(word, "exit0")) {
        printf("partial");
        exit(0);
    } else if (!strcmp(word, "bytes")) {
        static const char data[] = TRICKY;
        fwrite(data, 1, sizeof data - 1, stdout);
    } else if (!strcmp(word, "segv")) {
        printf("before the crash\n");
        fflush(stdout);
        raise(SIGSEGV);
    } else if (!strcmp(word, "fail")) {
        printf("out\n");
        return 3;
    } else if (!strcmp(word, "spin")) {
        volatile unsigned long x = 0;
        for (;;) x++;
    } else if (!strcmp(word, "burn")) {
        clock_t start = clock();
        volatile unsigned long x = 0;
        while (clock() - start < CLOCKS_PER_SEC / 4) x++;
        printf("burned\n");
    } else if (!strcmp(word, "sleep")) {
        sleep(30);
    } else if (!strcmp(word, "flood")) {
        for (;;) fputs("flood flood flood flood flood flood flood flood\n", stdout);
    } else if (!strcmp(word, "noise")) {
        for (int i = 0; i < 1000; i++) fprintf(stderr, "noise %d\n", i);
        printf("quiet\n");
    } else if (!strcmp(word, "fork") || !strcmp(word, "forksetsid")) {
        fflush(stdout);
        if (fork() == 0) {
            if (!strcmp(word, "forksetsid")) setsid();
            for (;;) {
                close(open("/tmp/bj-background", O_CREAT | O_WRONLY, 0600));
                usleep(2000);
            }
        }
        usleep(20000);
        printf("forked\n");
    } else if (!strcmp(word, "check")) {
        usleep(100000);
        printf("%s\n", access("/tmp/bj-background", F_OK) == 0 ? "dirty" : "clean");
    } else if (!strcmp(word, "tmpwrite")) {
        FILE *f = fopen("/tmp/bj-left-behind", "w");
        if (f == NULL) return 10;
        fputs("secret", f);
        fclose(f);
        mkdir("/tmp/bj-dir", 0700);
        mkdir("/tmp/bj-dir/inner", 0700);
        close(open("/tmp/bj-dir/inner/file", O_CREAT | O_WRONLY, 0600));
        mkdir("/tmp/bj-locked", 0700);
        mkdir("/tmp/bj-locked/inner", 0700);
        close(open("/tmp/bj-locked/inner/file", O_CREAT | O_WRONLY, 0600));
        chmod("/tmp/bj-locked/inner", 0);
        chmod("/tmp/bj-locked", 0500);
        char here[512];
        if (getcwd(here, sizeof here) != NULL) symlink(here, "/tmp/bj-link");
        static char deep[4000] = "/tmp/bj-deep";
        for (int level = 0; level < 1100; level++) {
            mkdir(deep, 0700);
            strcat(deep, "/d");
        }
        printf("written\n");
    } else if (!strcmp(word, "tmpcheck")) {
        int left = access("/tmp/bj-left-behind", F_OK) == 0 || access("/tmp/bj-dir", F_OK) == 0 ||
                   access("/tmp/bj-deep", F_OK) == 0 || access("/tmp/bj-locked", F_OK) == 0;
        struct stat st;
        left = left || lstat("/tmp/bj-link", &st) == 0;
        printf("%s\n", left ? "present" : "absent");
    } else if (!strcmp(word, "fds")) {
        for (int fd = 0; fd < 1024; fd++)
            if (fcntl(fd, F_GETFD) != -1) printf("%d ", fd);
        printf("\n");
    } else if (!strcmp(word, "oom")) {
        FILE *f = fopen(getenv("BJ_MEMORY_EVENTS"), "w");
        if (f == NULL) return 11;
        fputs("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n", f);
        fclose(f);
        printf("bumped\n");
    } else if (!strcmp(word, "stdin")) {
        struct stat st;
        fstat(0, &st);
        printf("%s %ld\n", S_ISREG(st.st_mode) ? "regular" : "other", (long)lseek(0, 0, SEEK_CUR));
    } else if (!strcmp(word, "forge")) {
        static const char data[] = TRICKY;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/fd/1", (long)getppid());
        int fd = open(path, O_WRONLY);
        printf("%s\n", fd >= 0 && write(fd, data, sizeof data - 1) > 0 ? "opened" : "blocked");
    } else if (!strcmp(word, "setup")) {
        int adj = 0;
        FILE *f = fopen("/proc/self/oom_score_adj", "r");
        if (f == NULL || fscanf(f, "%d", &adj) != 1) return 12;
        fclose(f);
        struct rlimit cpu, size;
        getrlimit(RLIMIT_CPU, &cpu);
        getrlimit(RLIMIT_FSIZE, &size);
        printf("%d %ld %ld %ld %ld %d\n", adj, (long)cpu.rlim_cur, (long)cpu.rlim_max,
               (long)size.rlim_cur, (long)size.rlim_max, getpgrp() == getpid());
    } else if (!strcmp(word, "atexit")) {
        atexit(bye);
        printf("hi\n");
#ifdef __cplusplus
    } else if (!strcmp(word, "badalloc")) {
        throw std::bad_alloc();
    } else if (!strcmp(word, "badsize")) {
        volatile long long n = -1;
        int *never = new int[n]; /* std::bad_array_new_length */
        never[0] = 1;
    } else if (!strcmp(word, "ownalloc")) {
        struct Exhausted : std::bad_alloc {};
        throw Exhausted();
    } else if (!strcmp(word, "throw")) {
        throw std::runtime_error("boom");
    } else if (!strcmp(word, "cin")) {
        long long a, b;
        std::cin >> a >> b;
        std::cout << a * b << std::endl;
#endif
    } else {
        printf("unknown %s\n", word);
        return 9;
    }
    return 0;
}

#ifdef BJ_STYLE_solve
void solve(void) {
    int code = scenario(0, NULL);
    if (code != 0) exit(code);
}
#else
int main(int argc, char **argv) {
    int code = scenario(argc, argv);
    if (code != 0) return code;
#ifndef __cplusplus
    return 0;
#endif
} /* C++: falling off the end of main returns 0 */
#endif
""".replace("TRICKY", _c_literal(TRICKY))

PY_SCENARIOS = """\
import atexit
import os
import resource
import signal
import sys
import time

input = sys.stdin.readline
calls = 0
INIT_PID = os.getpid()
TRICKY = {tricky!r}


def deepest(n):
    try:
        return deepest(n + 1)
    except RecursionError:
        return n


def scenario():
    global calls, keep
    calls += 1
    word, *args = input().split()
    if word == "sum":
        print(int(args[0]) + int(args[1]))
    elif word == "count":
        print(calls)
    elif word == "init":
        print("child" if INIT_PID == os.getpid() else "parent")
    elif word == "args":
        print(len(sys.argv), sys.argv[0], __name__, os.path.basename(__file__))
    elif word == "eof":
        data = sys.stdin.read().encode("utf-8", "surrogateescape")
        print(len(data), sum(data) % 1000000007)
    elif word == "exit0":
        print("partial", end="")
        sys.exit(0)
    elif word == "exitmsg":
        print("out")
        sys.exit("bad news")
    elif word == "bytes":
        sys.stdout.flush()
        sys.stdout.buffer.write(TRICKY)
    elif word == "segv":
        print("before the crash", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)
    elif word == "raise":
        print("out")
        raise ValueError("boom")
    elif word == "fail":
        print("out")
        return 3
    elif word == "spin":
        while True:
            pass
    elif word == "burn":
        start = time.process_time()
        while time.process_time() - start < 0.25:
            pass
        print("burned")
    elif word == "sleep":
        time.sleep(30)
    elif word == "flood":
        while True:
            print("flood flood flood flood flood flood flood flood")
    elif word == "noise":
        for i in range(1000):
            print("noise", i, file=sys.stderr)
        print("quiet")
    elif word in ("fork", "forksetsid"):
        sys.stdout.flush()
        if os.fork() == 0:
            if word == "forksetsid":
                os.setsid()
            while True:
                os.close(os.open("/tmp/bj-background", os.O_CREAT | os.O_WRONLY, 0o600))
                time.sleep(0.002)
        time.sleep(0.02)
        print("forked")
    elif word == "check":
        time.sleep(0.1)
        print("dirty" if os.path.exists("/tmp/bj-background") else "clean")
    elif word == "tmpwrite":
        with open("/tmp/bj-left-behind", "w") as f:
            f.write("secret")
        os.makedirs("/tmp/bj-dir/inner")
        open("/tmp/bj-dir/inner/file", "w").close()
        os.makedirs("/tmp/bj-locked/inner")
        open("/tmp/bj-locked/inner/file", "w").close()
        os.chmod("/tmp/bj-locked/inner", 0)
        os.chmod("/tmp/bj-locked", 0o500)
        os.symlink(os.getcwd(), "/tmp/bj-link")
        deep = "/tmp/bj-deep"
        for _ in range(1100):
            os.mkdir(deep)
            deep += "/d"
        print("written")
    elif word == "tmpcheck":
        left = ("/tmp/bj-left-behind", "/tmp/bj-dir", "/tmp/bj-deep", "/tmp/bj-locked")
        print("present" if any(os.path.lexists(path) for path in left) else "absent")
    elif word == "fds":
        opened = []
        for fd in range(1024):
            try:
                os.fstat(fd)
            except OSError:
                continue
            opened.append(fd)
        print(*opened, "")
    elif word == "oom":
        with open(os.environ["BJ_MEMORY_EVENTS"], "w") as f:
            f.write("low 0\\nhigh 0\\nmax 4\\noom 2\\noom_kill 2\\n")
        print("bumped")
    elif word == "stdin":
        print("regular" if os.path.isfile("/dev/stdin") else "other", os.lseek(0, 0, 1))
    elif word == "setup":
        with open("/proc/self/oom_score_adj") as f:
            adj = int(f.read())
        cpu = resource.getrlimit(resource.RLIMIT_CPU)
        size = resource.getrlimit(resource.RLIMIT_FSIZE)
        print(adj, *cpu, *size, int(os.getpgrp() == os.getpid()))
    elif word == "atexit":
        atexit.register(print, "bye")
        print("hi")
    elif word == "memerr":
        raise MemoryError
    elif word == "interrupt":
        raise KeyboardInterrupt
    elif word == "forge":
        try:
            os.write(os.open("/proc/%d/fd/1" % os.getppid(), os.O_WRONLY), TRICKY)
            print("opened")
        except OSError:
            print("blocked")
    elif word == "keepopen":
        keep = open(1, "w", closefd=False)
        keep.write("unflushed\\n")
    elif word == "recursion":
        print(deepest(1))
    elif word == "streams":
        streams = (sys.stdin, sys.stdout, sys.stderr)
        print([(s.name, s.encoding, s.errors, s.line_buffering, s.mode) for s in streams])
        print(sys.stdin is sys.__stdin__, sys.stdout is sys.__stdout__)
        print(sorted(name for name in globals() if name.startswith("__")))
        print(repr(input()), signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    else:
        print("unknown", word)
        return 9
    return 0
"""
PY_PROGRAM_FOOTER = """
code = scenario()
if code:
    sys.exit(code)
"""
PY_SOLVE_FOOTER = """
def solve():
    code = scenario()
    if code:
        sys.exit(code)
"""

VARIANTS = ["c-program", "c-solve", "cpp-program", "cpp-solve", "python-program", "python-solve"]
PYTHON = VARIANTS[4:]
# Where each run's box is mounted; anything outside /tmp, which gets its own tmpfs.
MOUNT_POINT = next((d for d in ("/srv", "/mnt", "/opt", "/media") if Path(d).is_dir()), "/srv")
# The box is mounted outside /tmp, /tmp gets a fresh tmpfs, and the driver runs without any
# capability, as in the sandbox (root in a user namespace could otherwise reach the driver's
# fds through /proc even though it is not dumpable).
PRIVATE_TMP = (
    'mount --rbind "$1" "$2" && mount -t tmpfs tmpfs /tmp && cd "$2" && shift 2 && '
    "exec setpriv --bounding-set=-all --inh-caps=-all --securebits=+noroot,+noroot_locked "
    '-- "$@"'
)


def case(
    text: bytes | str, cpu: float = 0.3, wall: float = 0.8, output: int = 1 << 16
) -> BatchItem:
    """One test with this module's default limits."""
    return make_case(text, cpu, wall, output)


def run_in_private_tmp(
    driver: Driver, data: bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    argv = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", PRIVATE_TMP, "sh"]
    return subprocess.run(
        [*argv, str(driver.box), MOUNT_POINT, *driver.argv],
        input=data,
        capture_output=True,
        timeout=60,
        env={**(env if env is not None else os.environ), "BJ_TMP": "/tmp"},
        check=False,
    )


@pytest.fixture(scope="session")
def private_tmp_works() -> None:
    if shutil.which("unshare") is None or shutil.which("setpriv") is None:
        # util-linux is installed by `make install`; a missing tool is a broken set-up.
        pytest.fail("needs unshare(1) and setpriv(1) for a private /tmp: run `make install`")
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs t /tmp"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.fail(f"cannot make a private /tmp: {probe.stderr.decode(errors='replace')}")


def _build(variant: str, root: Path, defines: list[str]) -> Driver:
    language_name, style = variant.split("-")
    bundle = language({"c": "c", "cpp": "cpp17", "python": "python3"}[language_name])
    spec = bundle.spec
    box = root / variant
    box.mkdir()
    for name, source in bundle.driver_sources().items():
        (box / name).write_bytes(source)
    if language_name == "python":
        footer = PY_PROGRAM_FOOTER if style == "program" else PY_SOLVE_FOOTER
        source_text = PY_SCENARIOS.format(tricky=TRICKY) + footer
    else:
        source_text = C_SCENARIOS
    (box / spec.source_name).write_text(source_text)
    variables = {"source": spec.source_name, "style": style, "prep": "", "memory_mb": "256"}
    if spec.compile is not None:
        # C++ links a driver object its prepare step builds; here the driver source is
        # compiled in directly, so the test's -D switches reach it too.
        command = [
            part if part != "$prep/bj_driver_$style.o" else "bj_driver.cpp"
            for part in spec.compile.command
            if part != "-I$prep"
        ]
        if "bj_driver.cpp" in command:
            command.insert(1, "-DBJ_STYLE_$style")
        rendered = render_command(command, variables)
        rendered[1:1] = defines
        built = subprocess.run(rendered, cwd=box, capture_output=True, check=False)
        assert built.returncode == 0, built.stderr.decode(errors="replace")
    return Driver(box, render_command(spec.run.command, variables))


@pytest.fixture(scope="session")
def build_driver(
    private_tmp_works: None, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Driver]:
    """Build a variant once per session: `build_driver("cpp-solve")`."""
    built: dict[tuple[str, tuple[str, ...]], Driver] = {}
    root = tmp_path_factory.mktemp("drivers")

    def build(variant: str, *defines: str) -> Driver:
        key = (variant, defines)
        if key not in built:
            folder = Path(tempfile.mkdtemp(dir=root))
            built[key] = _build(variant, folder, list(defines))
        return built[key]

    return build


def _frames(
    driver: Driver, items: list[BatchItem], env: dict[str, str] | None = None
) -> list[Frame]:
    nonce = "0123456789abcdef" * 2  # TRICKY's nonce: printing it must not matter either
    completed = run_in_private_tmp(driver, encode_batch(nonce, items), env)
    parsed = parse_frames(completed.stdout, nonce)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    assert parsed.finished, "no END marker"
    assert [frame.index for frame in parsed.frames] == [item.index for item in items]
    return parsed.frames


@pytest.fixture
def run(build_driver: Callable[..., Driver], request: pytest.FixtureRequest) -> Run:
    """Run a batch through the variant the test is parametrized with; its frames."""
    variant: str = request.node.callspec.params["variant"]

    def run_batch(items: list[BatchItem], env: dict[str, str] | None = None) -> list[Frame]:
        return _frames(build_driver(variant), items, env)

    return run_batch


# ------------------------------------------------------------------ every variant


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_test_gets_its_own_answer_and_frame(variant: str, run: Run) -> None:
    frames = run(numbered([case(f"sum {k} {10 * k}\n") for k in range(6)]))
    assert statuses(frames) == [OK] * 6
    assert outputs(frames) == [f"{11 * k}\n".encode() for k in range(6)]
    for frame in frames:
        assert (frame.exit_code, frame.signal, frame.stderr) == (0, 0, b"")
        assert 0 <= frame.cpu_time_s < 0.3
        assert 0 < frame.wall_time_s < 0.8
        assert frame.memory_kb > 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_test_reads_only_its_own_input_then_eof(variant: str, run: Run) -> None:
    payloads = [b"", b"x", bytes(range(256)) * 1200, b"last\n" * 7, b"\x00" * 70_000]
    frames = run([case(b"eof\n" + payload) for payload in payloads])
    assert statuses(frames) == [OK] * len(payloads)
    expected = [f"{len(p)} {sum(p) % 1_000_000_007}\n".encode() for p in payloads]
    assert outputs(frames) == expected


@pytest.mark.parametrize("variant", VARIANTS)
def test_stdin_is_a_seekable_regular_file(variant: str, run: Run) -> None:
    frames = run([case("stdin\n")])
    assert frames[0].stdout == b"regular 6\n"  # stdio has read all 6 bytes ahead


@pytest.mark.parametrize("variant", VARIANTS)
def test_exit_zero_after_printing_keeps_the_output(variant: str, run: Run) -> None:
    frames = run([case("exit0\n"), case("sum 1 2\n")])
    assert statuses(frames) == [OK, OK]
    assert outputs(frames) == [b"partial", b"3\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_state_leaks_between_tests(variant: str, run: Run) -> None:
    frames = run([case("count\n"), case("count\n"), case("init\n"), case("count\n")])
    assert outputs(frames) == [b"1\n", b"1\n", b"child\n", b"1\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_is_returned_byte_exact(variant: str, run: Run) -> None:
    frames = run([case("bytes\n"), case("sum 2 2\n")])
    assert statuses(frames) == [OK, OK]
    assert outputs(frames) == [TRICKY, b"4\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_crash_fails_only_its_own_test(variant: str, run: Run) -> None:
    frames = run([case("sum 1 1\n"), case("segv\n"), case("fail\n"), case("sum 2 3\n")])
    assert statuses(frames) == [OK, RE, RE, OK]
    assert (frames[1].signal, frames[1].exit_code) == (SIGSEGV, -1)
    assert frames[1].stdout == b"before the crash\n"
    assert (frames[2].signal, frames[2].exit_code, frames[2].stdout) == (0, 3, b"out\n")
    assert outputs(frames)[3] == b"5\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_cpu_spin_and_sleep_are_tle_and_later_tests_still_run(variant: str, run: Run) -> None:
    limits = {"cpu": 0.2, "wall": 0.5}
    items = [case("spin\n", **limits), case("sum 1 2\n"), case("sleep\n", **limits)]
    frames = run([*items, case("sum 3 4\n")])
    assert statuses(frames) == [TLE, OK, TLE, OK]
    assert outputs(frames)[1::2] == [b"3\n", b"7\n"]
    spin, sleep = frames[0], frames[2]
    assert spin.cpu_time_s > 0.2
    assert 0.5 <= sleep.wall_time_s < 2
    assert sleep.cpu_time_s < 0.2
    assert (spin.signal, sleep.signal) == (SIGKILL, SIGKILL)


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_output_flood_is_ole(variant: str, run: Run) -> None:
    frames = run([case("flood\n", output=10_000), case("sum 1 1\n", output=2)])
    assert statuses(frames) == [OLE, OK]
    assert frames[0].signal == SIGXFSZ
    assert len(frames[0].stdout) <= 10_000
    assert frames[0].stdout.startswith(b"flood flood")
    assert frames[1].stdout == b"2\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_exactly_at_the_limit_is_ok(variant: str, run: Run) -> None:
    frames = run([case("sum 40 2\n", output=3), case("sum 40 2\n", output=2)])
    assert statuses(frames) == [OK, OLE]
    assert frames[0].stdout == b"42\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_stderr_noise_keeps_ok_and_is_cut(variant: str, run: Run) -> None:
    frames = run([case("noise\n")])
    assert statuses(frames) == [OK]
    assert frames[0].stdout == b"quiet\n"
    assert len(frames[0].stderr) == 4096
    assert frames[0].stderr.startswith(b"noise 0\nnoise 1\n")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("word", ["fork", "forksetsid"])
def test_background_processes_die_with_their_test(variant: str, word: str, run: Run) -> None:
    frames = run([case(f"{word}\n"), case("check\n"), case("sum 1 1\n")])
    assert statuses(frames) == [OK, OK, OK]
    assert outputs(frames) == [b"forked\n", b"clean\n", b"2\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_tmp_is_emptied_between_tests(variant: str, run: Run) -> None:
    frames = run([case("tmpwrite\n"), case("tmpcheck\n")])
    assert statuses(frames) == [OK, OK]
    assert outputs(frames) == [b"written\n", b"absent\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_standard_fds_are_open(variant: str, run: Run) -> None:
    assert outputs(run([case("fds\n")])) == [b"0 1 2 \n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_oom_kill_in_the_memory_cgroup_is_mle(
    variant: str, build_driver: Callable[..., Driver]
) -> None:
    # The test itself bumps the counter here; in the sandbox the kernel does.
    driver = build_driver(variant)
    (driver.box / "memory.events").write_text("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n")
    env = {**os.environ, "BJ_MEMORY_EVENTS": f"{MOUNT_POINT}/memory.events"}
    frames = _frames(driver, [case("sum 1 1\n"), case("oom\n"), case("sum 1 2\n")], env)
    assert statuses(frames) == [OK, MLE, OK]


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_test_gets_its_limits_group_and_oom_score(variant: str, run: Run) -> None:
    frames = run([case("setup\n", cpu=0.3, output=5000), case("setup\n", cpu=2.5, output=20)])
    assert outputs(frames) == [b"1000 2 3 5000 5000 1\n", b"1000 4 5 20 20 1\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_test_cannot_write_to_the_driver_stdout(variant: str, run: Run) -> None:
    frames = run([case("forge\n"), case("sum 1 2\n")])
    assert statuses(frames) == [OK, OK]
    assert outputs(frames) == [b"blocked\n", b"3\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_atexit_handlers_run(variant: str, run: Run) -> None:
    assert outputs(run([case("atexit\n")])) == [b"hi\nbye\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_empty_batch_is_just_the_end_marker(variant: str, run: Run) -> None:
    assert run([]) == []


# ------------------------------------------------------------------ C and C++


@pytest.mark.parametrize("variant", ["c-program", "cpp-program"])
def test_main_gets_the_usual_arguments(variant: str, run: Run) -> None:
    assert outputs(run([case("args\n")])) == [b"1 ./prog\n"]


@pytest.mark.parametrize("variant", ["c-program", "cpp-program"])
def test_cpu_time_over_the_limit_is_tle_even_when_the_test_ends(variant: str, run: Run) -> None:
    frames = run([case("burn\n", cpu=0.1, wall=2.0), case("burn\n", cpu=1.0, wall=2.0)])
    assert statuses(frames) == [TLE, OK]
    assert frames[0].stdout == b"burned\n"
    assert frames[0].exit_code == 0


@pytest.mark.parametrize("variant", ["cpp-program", "cpp-solve"])
def test_cpp_uncaught_bad_alloc_is_mle_other_exceptions_re(variant: str, run: Run) -> None:
    words = ["badalloc", "badsize", "ownalloc", "throw", "cin 6 7"]
    frames = run([case(f"{word}\n") for word in words])
    assert statuses(frames) == [MLE, MLE, MLE, RE, OK]
    assert [frame.signal for frame in frames] == [SIGABRT] * 4 + [0]
    assert b"std::bad_alloc" in frames[0].stderr
    assert b"boom" in frames[3].stderr
    assert frames[4].stdout == b"42\n"


@pytest.mark.parametrize("variant", ["c-program", "cpp-solve"])
def test_the_wait_works_without_pidfd(variant: str, build_driver: Callable[..., Driver]) -> None:
    driver = build_driver(variant, "-DBJ_NO_PIDFD")
    items = [case("sum 1 1\n"), case("sleep\n", cpu=0.2, wall=0.3), case("fork\n"), case("check\n")]
    frames = _frames(driver, items)
    assert statuses(frames) == [OK, TLE, OK, OK]
    assert outputs(frames)[2:] == [b"forked\n", b"clean\n"]


@pytest.mark.parametrize(
    "compiler",
    [["/usr/bin/gcc", "-std=gnu17", "-x", "c"], ["/usr/bin/g++", "-std=gnu++17", "-x", "c++"]],
)
@pytest.mark.parametrize("style", ["program", "solve"])
def test_the_driver_compiles_without_warnings(
    compiler: list[str], style: str, tmp_path: Path
) -> None:
    driver = language("c").driver_sources()["bj_driver.c"]
    (tmp_path / "driver.src").write_bytes(driver)
    flags = ["-O2", "-Wall", "-Wextra", "-Werror", f"-DBJ_STYLE_{style}", "-c"]
    command = [compiler[0], *compiler[1:], *flags, "-o", "driver.o", "driver.src"]
    built = subprocess.run(command, cwd=tmp_path, capture_output=True, check=False)
    assert built.returncode == 0, built.stderr.decode(errors="replace")


# ------------------------------------------------------------------ Python


@pytest.mark.parametrize("variant", PYTHON)
def test_python_exceptions_are_re_with_a_plain_traceback(variant: str, run: Run) -> None:
    frames = run([case("raise\n"), case("exitmsg\n"), case("interrupt\n"), case("sum 1 1\n")])
    assert statuses(frames) == [RE, RE, RE, OK]
    assert (frames[2].exit_code, frames[2].signal) == (-1, SIGINT)
    assert frames[2].stderr.endswith(b"KeyboardInterrupt\n")
    raised, message = frames[0], frames[1]
    assert (raised.exit_code, raised.stdout) == (1, b"out\n")
    assert raised.stderr.startswith(b"Traceback (most recent call last):\n")
    assert raised.stderr.endswith(b"ValueError: boom\n")
    assert b"bj_driver" not in raised.stderr
    assert (message.exit_code, message.stdout, message.stderr) == (1, b"out\n", b"bad news\n")


@pytest.mark.parametrize("variant", PYTHON)
def test_python_memory_error_is_mle(variant: str, run: Run) -> None:
    frames = run([case("memerr\n"), case("sum 1 1\n")])
    assert statuses(frames) == [MLE, OK]
    assert frames[0].exit_code == 1
    assert frames[0].stderr.endswith(b"MemoryError\n")


@pytest.mark.parametrize("variant", PYTHON)
def test_python_files_left_open_are_flushed_at_exit(variant: str, run: Run) -> None:
    assert outputs(run([case("keepopen\n")])) == [b"unflushed\n"]


@pytest.mark.parametrize("variant", ["python-program"])
def test_python_program_sees_what_a_plain_run_sees(variant: str, run: Run, tmp_path: Path) -> None:
    frames = run([case("args\n"), case("streams\nline\r\n"), case("recursion\n")])
    assert frames[0].stdout == b"1 main.py __main__ main.py\n"
    (tmp_path / "main.py").write_text(PY_SCENARIOS.format(tricky=TRICKY) + PY_PROGRAM_FOOTER)
    plain = [
        subprocess.run(
            ["/usr/bin/python3", "-I", "-S", "main.py"],
            input=text,
            cwd=tmp_path,
            capture_output=True,
            check=True,
        ).stdout
        for text in (b"streams\nline\r\n", b"recursion\n")
    ]
    assert outputs(frames)[1:] == plain


def test_python_syntax_errors_fail_every_test(build_driver: Callable[..., Driver]) -> None:
    driver = build_driver("python-program")
    box = driver.box.parent / "syntax"
    box.mkdir(exist_ok=True)
    shutil.copy(driver.box / "bj_driver.py", box / "bj_driver.py")
    (box / "main.py").write_text("print(1\n")
    frames = _frames(Driver(box, driver.argv), [case("x\n"), case("y\n")])
    assert statuses(frames) == [RE, RE]
    assert all(b"SyntaxError" in frame.stderr and frame.exit_code == 1 for frame in frames)


def test_python_wait_works_without_pidfd(build_driver: Callable[..., Driver]) -> None:
    driver = build_driver("python-program")
    no_pidfd = (
        "import os, sys; del os.pidfd_open; sys.argv[:] = ['bj_driver.py', 'main.py', 'program']; "
        "exec(compile(open('bj_driver.py', 'rb').read(), 'bj_driver.py', 'exec'))"
    )
    wrapped = Driver(driver.box, ["/usr/bin/python3", "-I", "-S", "-c", no_pidfd])
    items = [case("sum 1 1\n"), case("sleep\n", cpu=0.2, wall=0.3), case("fork\n"), case("check\n")]
    frames = _frames(wrapped, items)
    assert statuses(frames) == [OK, TLE, OK, OK]
    assert outputs(frames)[2:] == [b"forked\n", b"clean\n"]


@pytest.mark.parametrize("variant", ["c-program", "python-program"])
def test_a_malformed_batch_stops_the_driver_without_end(
    variant: str, build_driver: Callable[..., Driver]
) -> None:
    completed = run_in_private_tmp(build_driver(variant), b"GET / HTTP/1.0\n\n")
    assert completed.returncode == 2
    assert b"END" not in completed.stdout

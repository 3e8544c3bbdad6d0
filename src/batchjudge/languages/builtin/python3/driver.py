"""batchjudge fork-per-test driver for Python 3 (protocol BJ1, docs/design/driver-protocol.md).

Run as `/usr/bin/python3 -I -S bj_driver.py main.py <program|solve>`, stdlib only.

The parent compiles the student's source once, reads fd 0 with os.read only and forks once per
test. The child gets the test's input, output and error memfds on fds 0/1/2, its own process
group and limits, fresh sys streams and a fresh __main__ module, runs the student's code and
ends the way `python3 -I -S main.py` would (SystemExit, tracebacks, atexit, flushing, exit
status). The parent reports each test as one frame on fd 1.

Every import costs each batch's start-up, so this file imports no more than it must: no
`signal` (its enums take milliseconds; `_signal` has the same functions), no `ctypes` unless
`_ctypes` fails, no `typing` and no `contextlib` (hence try/except/pass).
"""

# ruff: noqa: SIM105

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # no stubs; the functions `signal` wraps
import builtins
import errno
import gc
import io
import mmap
import os
import resource
import select
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, FrameType, ModuleType, TracebackType
    from typing import NoReturn

ERR_KEEP = 4096  # stderr bytes reported per test
HINT_OOM = 1  # hint page value: MemoryError escaped the student's code
EXIT_PROTOCOL = 2  # our exit status when stdin is not a BJ1 batch
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

DRIVER_FILE = sys._getframe().f_code.co_filename
# How the interpreter set up the standard streams; the child's fresh streams copy it.
STREAM_SETUP = [
    (stream.encoding, stream.errors or "strict") if stream is not None else ("utf-8", "strict")
    for stream in (sys.stdin, sys.stdout, sys.stderr)
]
COPY = bytearray(1 << 16)  # input bytes on their way into the memfd

# (index, time_limit_ms, wall_limit_ms, output_limit_bytes, input_length)
Test = tuple[int, int, int, int, int]


# ------------------------------------------------------------------ small helpers


def _prctl_address() -> int:
    """Where prctl(3) is, for `_ctypes.call_function`; 0 if that way is closed."""
    try:
        import _ctypes

        return _ctypes.dlsym(_ctypes.dlopen(None), "prctl")  # type: ignore[arg-type]
    except (ImportError, AttributeError, OSError):
        return 0


PRCTL_ADDRESS = _prctl_address()


def prctl(option: int, value: int) -> None:
    """prctl(2), failures ignored. `_ctypes` alone loads in a fraction of the time `ctypes`
    takes; `ctypes` is the fallback should its private helper ever go away."""
    try:
        if PRCTL_ADDRESS:
            import _ctypes

            _ctypes.call_function(PRCTL_ADDRESS, (option, value, 0, 0, 0))
        else:
            import ctypes

            ctypes.CDLL(None).prctl(option, value, 0, 0, 0)
    except Exception:
        pass


def die(message: str) -> NoReturn:
    os.write(2, f"bj_driver: {message}\n".encode())
    os._exit(EXIT_PROTOCOL)


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def copy_out(to: int, source: int, length: int) -> None:
    """Copy the first `length` bytes of fd `source` to fd `to`."""
    offset = 0
    try:
        while offset < length:
            sent = os.sendfile(to, source, offset, length - offset)
            if sent == 0:
                raise OSError(errno.EIO, "file shrank")
            offset += sent
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS):
            raise
    while offset < length:
        chunk = os.pread(source, min(length - offset, len(COPY)), offset)
        if not chunk:
            raise OSError(errno.EIO, "file shrank")
        write_all(to, chunk)
        offset += len(chunk)


def read_line() -> str:
    """One header line from fd 0, byte by byte, so nothing past it is consumed."""
    line = bytearray()
    while True:
        byte = os.read(0, 1)
        if not byte:
            die("input ended inside a header")
        if byte == b"\n":
            return line.decode("ascii", "replace")
        line += byte
        if len(line) > 256:
            die("header line too long")


def read_input(length: int) -> int:
    """One test's input in a fresh memfd positioned at its start."""
    fd = os.memfd_create("stdin")
    view = memoryview(COPY)
    while length > 0:
        got = os.readv(0, [view[: min(length, len(COPY))]])
        if got == 0:
            die("input ended inside a test")
        write_all(fd, view[:got])
        length -= got
    view[:] = bytes(len(COPY))  # the child gets a copy of our memory
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def memory_limit_kb() -> int:
    """$BJ_MEMORY_LIMIT_KB, given where no OOM counter can be read; 0 when unknown."""
    try:
        return int(os.environ.get("BJ_MEMORY_LIMIT_KB", "0"))  # noqa: TID251 - not the service
    except ValueError:
        return 0


def oom_kills(path: str) -> int:
    """The `oom_kill` counter of the memory.events file at `path`, or -1."""
    if not path:
        return -1
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            text = os.read(fd, 4096)
        finally:
            os.close(fd)
    except OSError:
        return -1
    for line in text.split(b"\n"):
        if line.startswith(b"oom_kill "):
            return int(line.split()[1])
    return -1


def set_limit(which: int, soft: int, hard: int) -> None:
    """setrlimit, kept within the hard limit we were given (we cannot raise it)."""
    try:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------ after each test


def wait_exit(pid: int, deadline: float) -> bool:
    """Wait until child `pid` ends or `deadline` (monotonic) passes; False on timeout."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = -1
    if pidfd >= 0:
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if poller.poll(max(1, int(left * 1000 + 0.999))):
                    return True
        finally:
            os.close(pidfd)
    # SIGCHLD is blocked, so a child ending between the two calls stays pending and
    # sigtimedwait returns at once: no lost wake-up.
    while True:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None and info.si_pid == pid:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        _signal.sigtimedwait([_signal.SIGCHLD], left)


def kill_leftovers() -> None:
    """Kill and reap what a test left behind: processes that left its group come back to us,
    the subreaper, once their parents are gone."""
    path = f"/proc/self/task/{os.getpid()}/children"
    for _ in range(64):
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                pids = [int(word) for word in os.read(fd, 65536).split()]
            finally:
                os.close(fd)
        except (OSError, ValueError):
            break
        if not pids:
            break
        for pid in pids:
            for target in (-pid, pid):
                try:
                    os.kill(target, _signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break


def clear_tmp(top: str) -> None:
    """Remove everything under the scratch folder `top` (not following symlinks nor crossing
    mount points), ignoring errors. Iterative, so however deep a test nests directories, we
    do not recurse. An empty `top` (no $BJ_TMP: not in a sandbox) removes nothing."""
    if not top.startswith("/"):
        return
    try:
        device = os.lstat(top).st_dev
    except OSError:
        return
    pending = [(top, False)]
    while pending:
        path, emptied = pending.pop()
        if emptied:
            try:
                os.rmdir(path)
            except OSError:
                pass
            continue
        if path != top:
            pending.append((path, True))  # removed once everything inside it is gone
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            try:
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
                elif entry.stat(follow_symlinks=False).st_dev == device:
                    os.chmod(entry.path, 0o700)  # a test may leave a directory at mode 000
                    pending.append((entry.path, False))
            except OSError:
                pass


# ------------------------------------------------------------------ the child


def fresh_stream(fd: int, write: bool) -> io.TextIOWrapper:
    """A standard stream built the way the interpreter builds one at startup (which is what
    io.open does for a file that is not a terminal)."""
    encoding, errors = STREAM_SETUP[fd]
    raw = io.FileIO(fd, "wb" if write else "rb", closefd=False)
    raw.name = ("<stdin>", "<stdout>", "<stderr>")[fd]
    size = os.fstat(fd).st_blksize
    size = size if size > 1 else io.DEFAULT_BUFFER_SIZE
    buffered = io.BufferedWriter(raw, size) if write else io.BufferedReader(raw, size)
    stream = io.TextIOWrapper(buffered, encoding, errors, "\n", fd == 2, False)
    stream.mode = "w" if write else "r"  # type: ignore[misc]
    return stream


def enter_child(test: Test, fds: tuple[int, int, int]) -> None:
    """Isolate the child: own process group, plain signals, the test's fds and limits."""
    time_limit_ms, output_limit = test[1], test[3]
    os.setpgid(0, 0)
    prctl(PR_SET_PDEATHSIG, _signal.SIGKILL)
    prctl(PR_SET_DUMPABLE, 1)  # only the driver hides its /proc entries
    _signal.pthread_sigmask(_signal.SIG_SETMASK, ())
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)  # OLE: a write past the limit kills
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(3, 1 << 20)
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
    except OSError:
        pass
    cpu = (time_limit_ms + 999) // 1000 + 1
    set_limit(resource.RLIMIT_CPU, cpu, cpu + 1)
    set_limit(resource.RLIMIT_FSIZE, output_limit, output_limit)
    sys.stdin = sys.__stdin__ = fresh_stream(0, False)  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = fresh_stream(1, True)  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = fresh_stream(2, True)  # type: ignore[misc]


def stack_depth() -> int:
    """How many frames our caller has below it, itself included."""
    depth = 0
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def exit_status(code: object) -> int:
    """The exit status of `sys.exit(code)`, printing `code` like the interpreter does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if -(1 << 63) <= code < 1 << 63 else 255
    try:
        if sys.stderr is not None:
            sys.stderr.write(f"{code}\n")
    except Exception:
        pass
    return 1


def report_exception(exc: BaseException, hint: mmap.mmap) -> None:
    """Print an escaping exception like the interpreter does, without our own frames."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == DRIVER_FILE:
        tb = tb.tb_next
    exc.__traceback__ = tb
    if isinstance(exc, MemoryError):
        hint[0] = HINT_OOM
    try:
        sys.excepthook(type(exc), exc, tb)
    except BaseException as hook_error:
        try:
            sys.stderr.write("Error in sys.excepthook:\n")
            sys.__excepthook__(type(hook_error), hook_error, hook_error.__traceback__)
            sys.stderr.write("\nOriginal exception was:\n")
            sys.__excepthook__(type(exc), exc, tb)
        except BaseException:
            pass


class _Unraisable:
    """What sys.unraisablehook expects, for a failed flush of stdout at exit."""

    def __init__(self, exc: BaseException, stream: object) -> None:
        self.exc_type = type(exc)
        self.exc_value = exc
        self.exc_traceback = exc.__traceback__
        self.err_msg = None
        self.object = stream


def flush_standard_streams() -> bool:
    """Flush sys.stdout and sys.stderr as interpreter shutdown does; False if one failed."""
    ok = True
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None or getattr(stream, "closed", False):
            continue
        try:
            stream.flush()
        except BaseException as exc:
            ok = False
            if name == "stdout":
                try:
                    sys.unraisablehook(_Unraisable(exc, stream))  # type: ignore[arg-type]
                except BaseException:
                    pass
    return ok


def shut_down(namespace: dict[str, object]) -> bool:
    """The parts of interpreter shutdown a program can observe; False if a flush failed."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()  # joins non-daemon threads
        except BaseException:
            pass
    import atexit

    atexit._run_exitfuncs()
    ok = flush_standard_streams()
    # Like module teardown: the standard streams come back, then the student's globals go
    # (single-underscore names first), so files they left open are flushed and closed.
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
    try:
        for first_pass in (True, False):
            for key in list(namespace):
                private = key.startswith("_") and not key.startswith("__")
                if key != "__builtins__" and (private or not first_pass):
                    namespace[key] = None
        gc.collect()
    except BaseException:
        pass
    return flush_standard_streams() and ok


class Quitter:
    """`exit()` and `quit()`, which the site module would define; we run with -S."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Use {self.name}() or Ctrl-D (i.e. EOF) to exit"

    def __call__(self, code: object = None) -> NoReturn:
        raise SystemExit(code)


def new_main_module(path: str) -> ModuleType:
    """A `__main__` module like the one `python3 main.py` runs its script in."""
    module = type(sys)("__main__")
    namespace = module.__dict__
    namespace["__annotations__"] = {}
    namespace["__builtins__"] = builtins
    namespace["__file__"] = path
    namespace["__cached__"] = None
    try:
        import _frozen_importlib_external

        namespace["__loader__"] = _frozen_importlib_external.SourceFileLoader("__main__", path)
    except ImportError:
        pass
    return module


def run_child(code: CodeType | BaseException, style: str, script: str, hint: mmap.mmap) -> None:
    """Run the student's program in this (child) process and end it; never returns."""
    sys.argv = [script]
    if len(getattr(sys, "orig_argv", ())) >= 3:
        sys.orig_argv = [*sys.orig_argv[:-3], script]
    module = new_main_module(os.path.abspath(script))
    namespace = module.__dict__
    sys.modules["__main__"] = module
    # Our frames count against the recursion limit; give them back so the student's code
    # reaches the same depth as in a plain run (+1: the exec call itself).
    sys.setrecursionlimit(sys.getrecursionlimit() + stack_depth() + 1)
    status = 0
    interrupted = False
    try:
        if isinstance(code, BaseException):
            raise code
        exec(code, namespace)
        if style == "solve":
            solve = namespace.get("solve")
            if solve is None:
                raise NameError("name 'solve' is not defined")
            solve()
    except SystemExit as exc:
        status = exit_status(exc.code)
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        report_exception(exc, hint)
        status = 1
    try:
        if not shut_down(namespace):
            status = 120
    except BaseException:
        status = 120
    if interrupted:  # the interpreter ends by SIGINT then
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGINT)
    os._exit(status)


# ------------------------------------------------------------------ the parent


def verdict(
    test: Test, timed_out: bool, wall_us: int, cpu_us: int, sig: int, exit_code: int
) -> str:
    """The status of a test that ended without an out-of-memory sign, by precedence."""
    _, time_limit_ms, wall_limit_ms, _, _ = test
    if (
        timed_out
        or wall_us > wall_limit_ms * 1000
        or cpu_us > time_limit_ms * 1000
        or sig == _signal.SIGXCPU
    ):
        return "TLE"
    if sig == _signal.SIGXFSZ:
        return "OLE"
    if sig != 0 or exit_code != 0:
        return "RE"
    return "OK"


def run_test(
    nonce: str, test: Test, code: CodeType | BaseException, style: str, script: str, events: str
) -> None:
    """Run one test in a child and write its frame."""
    index, _, wall_limit_ms, output_limit, input_length = test
    stdin = read_input(input_length)
    stdout = os.memfd_create("stdout")
    stderr = os.memfd_create("stderr")
    hint = mmap.mmap(-1, mmap.PAGESIZE)
    oom_before = oom_kills(events)

    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            enter_child(test, (stdin, stdout, stderr))
            run_child(code, style, script, hint)
        finally:
            os._exit(127)
    try:
        os.setpgid(pid, pid)  # also here, so the group exists before we may kill it
    except OSError:
        pass

    timed_out = not wait_exit(pid, start + wall_limit_ms / 1000)
    for target in (pid, -pid) if timed_out else (-pid,):
        try:
            os.kill(target, _signal.SIGKILL)
        except OSError:
            pass
    _, wait_status, usage = os.wait4(pid, 0)
    wall_us = int((time.monotonic() - start) * 1e6)
    kill_leftovers()

    cpu_us = int((usage.ru_utime + usage.ru_stime) * 1e6)
    exit_code = os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else -1
    sig = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else 0
    out_len = os.fstat(stdout).st_size
    err_len = min(os.fstat(stderr).st_size, ERR_KEEP)
    near_limit = 0 < memory_limit_kb() * 85 // 100 <= usage.ru_maxrss
    if (oom_before >= 0 and oom_kills(events) > oom_before) or hint[0] == HINT_OOM:
        status = "MLE"
    elif oom_before < 0 and not timed_out and sig == _signal.SIGKILL and near_limit:
        # No OOM counter to read (a remote judge): a kill near the limit was for memory.
        status = "MLE"
    else:
        status = verdict(test, timed_out, wall_us, cpu_us, sig, exit_code)
        if status in ("OK", "RE") and out_len > output_limit:
            status = "OLE"
    out_len = min(out_len, output_limit)

    header = (
        f"\x1e{nonce} {index} {status} {cpu_us} {wall_us} {usage.ru_maxrss} {exit_code} {sig} "
        f"{out_len} {err_len}\n"
    )
    try:
        write_all(1, header.encode())
        copy_out(1, stdout, out_len)
        copy_out(1, stderr, err_len)
    except OSError:
        os._exit(1)  # our stdout is gone: nobody is listening any more

    hint.close()
    for fd in (stdin, stdout, stderr):
        os.close(fd)
    clear_tmp(os.environ.get("BJ_TMP", ""))  # noqa: TID251 - not the service


def load_code(script: str) -> CodeType | BaseException:
    """The student's program compiled once, or the error compiling it raised."""
    try:
        with open(script, "rb") as source:
            return compile(source.read(), os.path.abspath(script), "exec", dont_inherit=True)
    except Exception as exc:
        return exc


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[2] not in ("program", "solve"):
        die("usage: bj_driver.py main.py program|solve")
    script, style = sys.argv[1], sys.argv[2]
    prctl(PR_SET_DUMPABLE, 0)  # children cannot open /proc/<driver>/fd/1
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans a test leaves come back to us
    _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)  # an inherited SIG_IGN would reap for us
    _signal.pthread_sigmask(_signal.SIG_BLOCK, [_signal.SIGCHLD])
    events = os.environ.get("BJ_MEMORY_EVENTS", "")  # noqa: TID251 - not the service
    for name in ("exit", "quit"):
        if not hasattr(builtins, name):
            setattr(builtins, name, Quitter(name))
    code = load_code(script)
    gc.freeze()  # the children's collections skip our objects: less to scan, fewer pages copied

    words = read_line().split(" ")
    if len(words) != 3 or words[0] != "BJ1" or not words[2].isdigit():
        die("stdin is not a BJ1 batch")
    nonce, count = words[1], int(words[2])
    for _ in range(count):
        words = read_line().split(" ")
        if len(words) != 6 or words[0] != "T" or not all(w.isdigit() for w in words[1:]):
            die("bad test header")
        index, cpu_ms, wall_ms, output_limit, length = (int(word) for word in words[1:])
        run_test(nonce, (index, cpu_ms, wall_ms, output_limit, length), code, style, script, events)
    write_all(1, f"\x1e{nonce} END\n".encode())
    os._exit(0)


main()

/*
 * batchjudge fork-per-test driver for C and C++ (protocol BJ1, docs/design/driver-protocol.md).
 *
 * This one file is compiled as C (bj_driver.c) and as C++ (bj_driver.cpp), together with the
 * student's main.c / main.cpp and -DBJ_STYLE_program or -DBJ_STYLE_solve.
 *
 * How it works: the whole multi-test loop runs in a constructor of the highest user priority,
 * before the student's static initializers. The parent reads fd 0 with read(2) only and forks
 * once per test. The child sets up its stdin/stdout/stderr, limits and signals, then *returns*
 * from the constructor, so the C/C++ runtime runs the student's static initializers and the real
 * main() exactly as in a plain run (argc/argv, atexit, implicit return 0, stdio flushing at
 * exit). The parent never returns: it reports each test as a frame on fd 1 and _exit(0)s after
 * the END marker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
#include <cxxabi.h>
#include <exception>
#include <new>
#include <typeinfo>
#endif

#define BJ_ERR_KEEP 4096        /* stderr bytes reported per test */
#define BJ_LINE_MAX 256         /* longest header line accepted */
#define BJ_HINT_OOM 1           /* hint page value: the language's out-of-memory error escaped */
#define BJ_EXIT_PROTOCOL 2      /* the driver's exit status when its stdin is not a BJ1 batch */

struct bj_test {
    long index;
    long time_limit_ms;
    long wall_limit_ms;
    long output_limit;
    long input_length;
};

static char bj_nonce[64];
static const char *bj_memory_events;        /* $BJ_MEMORY_EVENTS, or NULL */
/* $BJ_MEMORY_LIMIT_KB: the memory limit, given where no OOM counter can be read (a remote
 * judge); a test SIGKILLed with its peak near the limit was then killed for memory. */
static long bj_memory_limit_kb;
static volatile unsigned char *bj_hint;     /* the current test's shared hint page */
static unsigned char bj_copy[1 << 16];      /* input bytes on their way into the memfd */

/* ---------------------------------------------------------------- small I/O helpers */

static void bj_die(const char *message) {
    size_t length = strlen(message);
    ssize_t ignored = write(2, message, length);
    (void)ignored;
    _exit(BJ_EXIT_PROTOCOL);
}

static int bj_write_all(int fd, const void *data, size_t length) {
    const char *p = (const char *)data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

/* Copy `length` bytes of `from` starting at offset 0 to fd `to`. */
static int bj_copy_out(int to, int from, size_t length) {
    off_t offset = 0;
    while ((size_t)offset < length) {
        ssize_t n = sendfile(to, from, &offset, length - (size_t)offset);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) return -1; /* the file shrank under us: cannot happen, the child is gone */
        break;                 /* sendfile refused these descriptors: copy by hand */
    }
    while ((size_t)offset < length) {
        size_t want = length - (size_t)offset;
        if (want > sizeof bj_copy) want = sizeof bj_copy;
        ssize_t n = pread(from, bj_copy, want, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        if (bj_write_all(to, bj_copy, (size_t)n) < 0) return -1;
        offset += n;
    }
    return 0;
}

/* One header line from fd 0, byte by byte: nothing past the line is consumed. */
static int bj_read_line(char *line, size_t size) {
    size_t used = 0;
    for (;;) {
        char c;
        ssize_t n = read(0, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        if (c == '\n') break;
        if (used + 1 >= size) return -1;
        line[used++] = c;
    }
    line[used] = '\0';
    return 0;
}

static int bj_parse_long(char **cursor, long *value) {
    char *p = *cursor;
    char *end;
    if (*p < '0' || *p > '9') return -1;
    errno = 0;
    *value = strtol(p, &end, 10);
    if (errno != 0 || (*end != ' ' && *end != '\0')) return -1;
    *cursor = *end == ' ' ? end + 1 : end;
    return 0;
}

static long long bj_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* The `oom_kill` counter of $BJ_MEMORY_EVENTS, or -1 when unknown. */
static long bj_oom_kills(void) {
    if (bj_memory_events == NULL) return -1;
    int fd = open(bj_memory_events, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[1024];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return -1;
    text[n] = '\0';
    for (char *line = text; line != NULL && *line != '\0';) {
        if (strncmp(line, "oom_kill ", 9) == 0) return strtol(line + 9, NULL, 10);
        line = strchr(line, '\n');
        if (line != NULL) line++;
    }
    return -1;
}

/* ---------------------------------------------------------------- after each test */

static char bj_path[PATH_MAX]; /* the directory bj_empty_dir is working in */

/*
 * Remove everything inside the directory named by bj_path[0..length): depth first, not
 * following symlinks nor crossing mount points, making each directory ours to read and
 * empty first (a test may leave one at mode 000). Names are read before anything is removed,
 * and no directory stays open while we recurse, so depth is bounded by PATH_MAX only.
 */
static void bj_empty_dir(size_t length, dev_t device) {
    DIR *dir = opendir(bj_path);
    if (dir == NULL) return;
    char *names = NULL;
    size_t used = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        size_t size = strlen(name) + 1;
        if (used + size > capacity) {
            size_t bigger = capacity * 2 + size + 4096;
            char *grown = (char *)realloc(names, bigger);
            if (grown == NULL) break;
            names = grown;
            capacity = bigger;
        }
        memcpy(names + used, name, size);
        used += size;
    }
    closedir(dir);
    for (size_t at = 0; at < used; at += strlen(names + at) + 1) {
        size_t size = strlen(names + at);
        if (length + 1 + size >= sizeof bj_path) continue;
        bj_path[length] = '/';
        memcpy(bj_path + length + 1, names + at, size + 1);
        struct stat st;
        if (lstat(bj_path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (st.st_dev == device) {
                chmod(bj_path, 0700);
                bj_empty_dir(length + 1 + size, device);
                rmdir(bj_path);
            }
        } else {
            unlink(bj_path);
        }
        bj_path[length] = '\0';
    }
    free(names);
}

/* Files a test left in the scratch folder ($BJ_TMP: /tmp inside the sandbox) must not be
 * visible to the next one. Without $BJ_TMP nothing is removed: outside a sandbox /tmp is
 * not ours to empty. */
static void bj_clear_tmp(void) {
    struct stat st;
    const char *top = getenv("BJ_TMP");
    if (top == NULL || top[0] != '/' || strlen(top) >= 1024) return;
    if (lstat(top, &st) != 0 || !S_ISDIR(st.st_mode)) return;
    strcpy(bj_path, top);
    bj_empty_dir(strlen(bj_path), st.st_dev);
}

/*
 * Kill and reap whatever the test left behind. Its process group goes first; processes that
 * left the group (setsid, setpgid) are reparented to us, the subreaper, once their parents are
 * gone, so we find them among our own children.
 */
static void bj_kill_leftovers(void) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
    for (int round = 0; round < 64; round++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        char list[4096];
        ssize_t n = read(fd, list, sizeof list - 1);
        close(fd);
        if (n <= 0) break;
        list[n] = '\0';
        for (char *p = list; *p != '\0';) {
            char *end;
            long pid = strtol(p, &end, 10);
            if (end == p) break;
            if (pid > 0) {
                kill((pid_t)-pid, SIGKILL);
                kill((pid_t)pid, SIGKILL);
                while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR) {
                }
            }
            p = end;
            while (*p == ' ' || *p == '\n') p++;
        }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

/* ---------------------------------------------------------------- the child */

#ifdef __cplusplus
static std::terminate_handler bj_previous_terminate;

/* Is the uncaught exception a std::bad_alloc? The usual two types are recognised without
   allocating anything (memory may be exhausted); other subclasses by rethrowing. */
static bool bj_out_of_memory(void) {
    const std::type_info *type = abi::__cxa_current_exception_type();
    if (type == NULL) return false;
    if (*type == typeid(std::bad_alloc) || *type == typeid(std::bad_array_new_length)) return true;
    try {
        std::rethrow_exception(std::current_exception());
    } catch (const std::bad_alloc &) {
        return true;
    } catch (...) {
    }
    return false;
}

static void bj_terminate(void) {
    if (bj_hint != NULL && bj_out_of_memory()) bj_hint[0] = BJ_HINT_OOM;
    if (bj_previous_terminate != NULL) bj_previous_terminate(); /* prints what a plain run prints */
    abort();
}
#endif

static void bj_close_other_fds(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    struct rlimit files;
    long top = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                   ? (long)files.rlim_cur
                   : 65536;
    for (long fd = 3; fd < top; fd++) close((int)fd);
}

/* setrlimit, kept within the hard limit we were given (we cannot raise it). */
static void bj_set_limit(int resource, rlim_t soft, rlim_t hard) {
    struct rlimit now;
    if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY) {
        if (hard > now.rlim_max) hard = now.rlim_max;
        if (soft > hard) soft = hard;
    }
    struct rlimit wanted;
    wanted.rlim_cur = soft;
    wanted.rlim_max = hard;
    setrlimit(resource, &wanted);
}

static void bj_enter_child(const struct bj_test *test, int in, int out, int err) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_DUMPABLE, 1); /* only the driver hides its /proc entries */

    struct sigaction plain;
    memset(&plain, 0, sizeof plain);
    plain.sa_handler = SIG_DFL;
    sigemptyset(&plain.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &plain, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
    bj_close_other_fds();

    int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (adj >= 0) {
        ssize_t ignored = write(adj, "1000", 4);
        (void)ignored;
        close(adj);
    }

    rlim_t cpu = (rlim_t)((test->time_limit_ms + 999) / 1000 + 1);
    bj_set_limit(RLIMIT_CPU, cpu, cpu + 1);
    bj_set_limit(RLIMIT_FSIZE, (rlim_t)test->output_limit, (rlim_t)test->output_limit);

#ifdef __cplusplus
    bj_previous_terminate = std::set_terminate(bj_terminate);
#endif
}

/* ---------------------------------------------------------------- the parent */

/* Wait until `pid` ends or `deadline_us` passes; 1 if it ended, 0 on timeout. */
static int bj_wait_exit(pid_t pid, long long deadline_us) {
#if defined(SYS_pidfd_open) && !defined(BJ_NO_PIDFD)
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
        int ended = 0;
        for (;;) {
            long long left = deadline_us - bj_now_us();
            if (left <= 0) break;
            struct pollfd p;
            p.fd = pidfd;
            p.events = POLLIN;
            p.revents = 0;
            long long wait_ms = (left + 999) / 1000;
            int n = poll(&p, 1, wait_ms > 86400000 ? 86400000 : (int)wait_ms);
            if (n > 0) {
                ended = 1;
                break;
            }
            if (n < 0 && errno != EINTR) break;
        }
        close(pidfd);
        return ended;
    }
#endif
    /* SIGCHLD is blocked in the parent, so a child ending between the two calls below stays
       pending and sigtimedwait returns at once: no lost wake-up. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
            return 1;
        long long left = deadline_us - bj_now_us();
        if (left <= 0) return 0;
        struct timespec wait;
        wait.tv_sec = (time_t)(left / 1000000);
        wait.tv_nsec = (long)(left % 1000000) * 1000;
        sigtimedwait(&chld, NULL, &wait);
    }
}

static void bj_write_frame(const struct bj_test *test, const char *status, long long cpu_us,
                           long long wall_us, long memory_kb, int exit_code, int signal_number,
                           int out, size_t out_length, int err, size_t err_length) {
    char header[BJ_LINE_MAX];
    int n = snprintf(header, sizeof header, "\x1e%s %ld %s %lld %lld %ld %d %d %zu %zu\n", bj_nonce,
                     test->index, status, cpu_us, wall_us, memory_kb, exit_code, signal_number,
                     out_length, err_length);
    if (bj_write_all(1, header, (size_t)n) < 0 || bj_copy_out(1, out, out_length) < 0 ||
        bj_copy_out(1, err, err_length) < 0)
        _exit(1); /* our stdout is gone: nobody is listening any more */
}

static int bj_memfd(const char *name) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) bj_die("bj_driver: memfd_create failed\n");
    return fd;
}

/* Read one test's input into a fresh memfd positioned at its start. */
static int bj_read_input(long length) {
    int fd = bj_memfd("stdin");
    while (length > 0) {
        size_t want = (size_t)length < sizeof bj_copy ? (size_t)length : sizeof bj_copy;
        ssize_t n = read(0, bj_copy, want);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) bj_die("bj_driver: input ended inside a test\n");
        if (bj_write_all(fd, bj_copy, (size_t)n) < 0) bj_die("bj_driver: cannot store input\n");
        length -= n;
    }
    memset(bj_copy, 0, sizeof bj_copy); /* the child gets a copy of our memory */
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Run one test; returns 1 in the child (which must then go on to the student's code). */
static int bj_run_test(const struct bj_test *test) {
    int in = bj_read_input(test->input_length);
    int out = bj_memfd("stdout");
    int err = bj_memfd("stderr");
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) bj_die("bj_driver: mmap failed\n");
    bj_hint = (volatile unsigned char *)page;
    long oom_before = bj_oom_kills();

    long long start = bj_now_us();
    pid_t pid = fork();
    if (pid < 0) bj_die("bj_driver: fork failed\n");
    if (pid == 0) {
        bj_enter_child(test, in, out, err);
        return 1;
    }
    setpgid(pid, pid); /* also here, so the group exists before we may kill it */

    int timed_out = !bj_wait_exit(pid, start + test->wall_limit_ms * 1000LL);
    if (timed_out) kill(pid, SIGKILL);
    kill(-pid, SIGKILL); /* helpers it left running in its group */
    int wait_status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    while (wait4(pid, &wait_status, 0, &usage) < 0 && errno == EINTR) {
    }
    long long wall_us = bj_now_us() - start;
    bj_kill_leftovers();

    long long cpu_us = (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec +
                       (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
    int exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    int signal_number = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    long oom_after = bj_oom_kills();

    struct stat st;
    size_t out_length = fstat(out, &st) == 0 ? (size_t)st.st_size : 0;
    size_t err_length = fstat(err, &st) == 0 ? (size_t)st.st_size : 0;
    if (err_length > BJ_ERR_KEEP) err_length = BJ_ERR_KEEP;
    int flooded = out_length > (size_t)test->output_limit;
    if (flooded) out_length = (size_t)test->output_limit;

    const char *status = "OK";
    int near_limit = bj_memory_limit_kb > 0 && usage.ru_maxrss >= bj_memory_limit_kb * 85 / 100;
    if ((oom_before >= 0 && oom_after > oom_before) || bj_hint[0] == BJ_HINT_OOM)
        status = "MLE";
    else if (oom_before < 0 && !timed_out && signal_number == SIGKILL && near_limit)
        status = "MLE";
    else if (timed_out || wall_us > test->wall_limit_ms * 1000LL ||
             cpu_us > test->time_limit_ms * 1000LL || signal_number == SIGXCPU)
        status = "TLE";
    else if (signal_number == SIGXFSZ || flooded)
        status = "OLE";
    else if (signal_number != 0 || exit_code != 0)
        status = "RE";

    bj_write_frame(test, status, cpu_us, wall_us, usage.ru_maxrss, exit_code, signal_number, out,
                   out_length, err, err_length);

    bj_hint = NULL;
    munmap(page, 4096);
    close(in);
    close(out);
    close(err);
    bj_clear_tmp();
    return 0;
}

/* The driver's loop; returns only in a child, which then runs the student's code. */
static int bj_drive(void) {
    prctl(PR_SET_DUMPABLE, 0);       /* children cannot open /proc/<driver>/fd/1 */
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans a test leaves come back to us */
    signal(SIGCHLD, SIG_DFL);        /* an inherited SIG_IGN would reap children for us */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    bj_memory_events = getenv("BJ_MEMORY_EVENTS");
    if (bj_memory_events != NULL && *bj_memory_events == '\0') bj_memory_events = NULL;
    const char *limit = getenv("BJ_MEMORY_LIMIT_KB");
    bj_memory_limit_kb = limit != NULL ? strtol(limit, NULL, 10) : 0;

    char line[BJ_LINE_MAX];
    long count;
    if (bj_read_line(line, sizeof line) < 0 || strncmp(line, "BJ1 ", 4) != 0)
        bj_die("bj_driver: stdin is not a BJ1 batch\n");
    char *space = strchr(line + 4, ' ');
    if (space == NULL || (size_t)(space - (line + 4)) >= sizeof bj_nonce)
        bj_die("bj_driver: bad BJ1 header\n");
    memcpy(bj_nonce, line + 4, (size_t)(space - (line + 4)));
    bj_nonce[space - (line + 4)] = '\0';
    char *cursor = space + 1;
    if (bj_parse_long(&cursor, &count) < 0 || *cursor != '\0')
        bj_die("bj_driver: bad BJ1 header\n");

    for (long k = 0; k < count; k++) {
        struct bj_test test;
        if (bj_read_line(line, sizeof line) < 0 || strncmp(line, "T ", 2) != 0)
            bj_die("bj_driver: bad test header\n");
        cursor = line + 2;
        if (bj_parse_long(&cursor, &test.index) < 0 ||
            bj_parse_long(&cursor, &test.time_limit_ms) < 0 ||
            bj_parse_long(&cursor, &test.wall_limit_ms) < 0 ||
            bj_parse_long(&cursor, &test.output_limit) < 0 ||
            bj_parse_long(&cursor, &test.input_length) < 0 || *cursor != '\0')
            bj_die("bj_driver: bad test header\n");
        if (bj_run_test(&test)) return 1;
    }

    char end[BJ_LINE_MAX];
    int n = snprintf(end, sizeof end, "\x1e%s END\n", bj_nonce);
    bj_write_all(1, end, (size_t)n);
    _exit(0);
}

__attribute__((constructor(101))) static void bj_driver_start(void) {
    bj_drive(); /* the parent never comes back; a child returns into the student's program */
}

#ifdef BJ_STYLE_solve
#ifdef __cplusplus
void solve();
#else
void solve(void);
#endif

int main(void) {
    solve();
    return 0;
}
#endif

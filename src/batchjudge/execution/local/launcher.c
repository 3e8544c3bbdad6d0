/*
 * bj_launcher: the small privileged step between the supervisor and bubblewrap.
 *
 * Python cannot attach a child to cgroups, lower its rlimits and drop to another uid between
 * fork and exec without giving up vfork-speed spawning, and its child watcher cannot reap
 * the orphans bubblewrap leaves behind. This launcher does those things in C:
 *
 *   bj_launcher STATUS_FD UID GID NPROC CPU_SOFT CPU_HARD FSIZE STACK CGROUP_PROCS... -- ARGV...
 *
 * A limit given as "-" is left as inherited.
 *
 * It becomes a child subreaper, forks, and the child joins every CGROUP_PROCS file, sets the
 * rlimits, drops to UID/GID (when UID is not -1) and execs ARGV. The launcher itself stays
 * outside the cgroups so the supervisor may kill everything inside them without killing it.
 * SIGUSR1 asks it to SIGKILL the child (the supervisor's kill when there are no cgroups).
 *
 * Once the child has ended, it kills and reaps every descendant left behind (they are
 * reparented to it), then writes one line to STATUS_FD and exits 0:
 *   "exited N CPU_US MAXRSS_KB", "signaled N CPU_US MAXRSS_KB" or "error MESSAGE".
 * CPU_US and MAXRSS_KB come from the child's rusage, for hosts without cgroups.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

static int status_fd = -1;

static void report(const char *kind, const char *detail) {
    char line[512];
    int n = snprintf(line, sizeof line, "%s %s\n", kind, detail);
    if (status_fd >= 0 && n > 0) {
        ssize_t ignored = write(status_fd, line, (size_t)n);
        (void)ignored;
    }
}

static volatile pid_t child = 0;

static void on_kill_request(int sig) {
    (void)sig;
    if (child > 0) kill(child, SIGKILL);
}

/* The parent writes its own line only after the child is gone, so the child may report a
 * setup failure on the shared status fd first; the supervisor reads the first line. */
static void child_fail(const char *what) {
    char detail[400];
    snprintf(detail, sizeof detail, "%s: %s", what, strerror(errno));
    report("error", detail);
    _exit(127);
}

/* SIGKILL every process whose parent is the launcher; returns how many were signalled. */
static int kill_children(void) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    int killed = 0;
    pid_t self = getpid();
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        char path[300], buffer[512];
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, buffer, sizeof buffer - 1);
        close(fd);
        if (n <= 0) continue;
        buffer[n] = 0;
        /* pid (comm) state ppid ...; comm may hold spaces and parentheses */
        char *close_paren = strrchr(buffer, ')');
        int ppid = 0;
        if (close_paren == NULL || sscanf(close_paren + 2, "%*c %d", &ppid) != 1) continue;
        if (ppid == self) {
            kill(atoi(entry->d_name), SIGKILL);
            killed++;
        }
    }
    closedir(proc);
    return killed;
}

static void set_limit(int resource, const char *soft, const char *hard, const char *what) {
    if (strcmp(soft, "-") == 0) return; /* "-" leaves the limit as inherited */
    struct rlimit limit;
    limit.rlim_cur = strtoull(soft, NULL, 10);
    limit.rlim_max = strtoull(hard, NULL, 10);
    if (setrlimit(resource, &limit) != 0) child_fail(what);
}

static void join_cgroup(const char *procs_file) {
    int fd = open(procs_file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) child_fail(procs_file);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (write(fd, pid, (size_t)n) != n) child_fail(procs_file);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc < 11) {
        dprintf(2, "usage: bj_launcher STATUS_FD UID GID NPROC CPU_SOFT CPU_HARD FSIZE STACK "
                   "CGROUP_PROCS... -- ARGV...\n");
        return 2;
    }
    status_fd = atoi(argv[1]);
    long uid = strtol(argv[2], NULL, 10);
    long gid = strtol(argv[3], NULL, 10);
    int separator = 9;
    while (separator < argc && strcmp(argv[separator], "--") != 0) separator++;
    if (separator + 1 >= argc) {
        report("error", "no command after --");
        return 0;
    }
    /* If the supervising service dies (even by SIGKILL), take the sandbox down with it
     * rather than leave a program running with nobody enforcing its wall time. */
    pid_t supervisor = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != supervisor) return 0;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        report("error", "cannot become a child subreaper");
        return 0;
    }
    fcntl(status_fd, F_SETFD, FD_CLOEXEC);

    struct sigaction request = {0};
    request.sa_handler = on_kill_request;
    sigaction(SIGUSR1, &request, NULL);

    child = fork();
    if (child < 0) {
        report("error", "fork failed");
        return 0;
    }
    if (child == 0) {
        for (int i = 9; i < separator; i++) join_cgroup(argv[i]);
        set_limit(RLIMIT_CPU, argv[5], argv[6], "RLIMIT_CPU");
        set_limit(RLIMIT_FSIZE, argv[7], argv[7], "RLIMIT_FSIZE");
        set_limit(RLIMIT_STACK, argv[8], argv[8], "RLIMIT_STACK");
        set_limit(RLIMIT_CORE, "0", "0", "RLIMIT_CORE");
        set_limit(RLIMIT_NOFILE, "256", "256", "RLIMIT_NOFILE");
        umask(022);
        if (uid >= 0) {
            /* NPROC counts per uid, so it only means something once we are that uid. */
            set_limit(RLIMIT_NPROC, argv[4], argv[4], "RLIMIT_NPROC");
            if (setgroups(0, NULL) != 0) child_fail("setgroups");
            if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) child_fail("setresgid");
            if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) child_fail("setresuid");
        }
        /* Set after the uid change, which clears it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1) _exit(127);
        execv(argv[separator + 1], argv + separator + 1);
        child_fail(argv[separator + 1]);
    }

    /* If the launcher itself is killed, PDEATHSIG takes bwrap down, and bwrap's pid
     * namespace takes the rest of the tree with it. */
    int child_status = 0;
    struct rusage usage = {0};
    for (;;) {
        pid_t pid = wait4(child, &child_status, 0, &usage);
        if (pid == child) break;
        if (pid < 0 && errno != EINTR) {
            report("error", "lost the child");
            return 0;
        }
    }
    child = 0;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) continue;
        if (pid < 0 && errno == ECHILD) break;
        /* Something is still running: scanning /proc is only worth it now. */
        kill_children();
        waitpid(-1, &status, 0);
    }
    long cpu_us = (long)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000L +
                  usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
    char detail[96];
    int signaled = WIFSIGNALED(child_status);
    snprintf(detail, sizeof detail, "%d %ld %ld",
             signaled ? WTERMSIG(child_status) : WEXITSTATUS(child_status), cpu_us,
             (long)usage.ru_maxrss);
    report(signaled ? "signaled" : "exited", detail);
    return 0;
}

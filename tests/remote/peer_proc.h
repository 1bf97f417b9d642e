/*
 * peer_proc.h -- start and reap helper processes (remote_peer and test
 * nodes) for the multi-process remoting tests: fork+exec with a pipe on
 * stdin (closing it asks the child to exit) and one on stdout (the READY
 * line). Every wait has a timeout; teardown kills by PID. Also the one
 * polling wait the remoting tests share (PP_WAIT_UNTIL).
 */
#ifndef AKT_TESTS_REMOTE_PEER_PROC_H
#define AKT_TESTS_REMOTE_PEER_PROC_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct peer_proc {
    pid_t pid;
    int in_fd; /* child's stdin */
    int out_fd; /* child's stdout */
    char line[1024];
    char address[512];
    unsigned long long uid;
} peer_proc;

static inline long long
pp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PP_WAIT_UNTIL -- evaluate cond until it holds or 3 * ms milliseconds have
 * passed, checking at growing intervals (50 us up to 2 ms); the caller then
 * asserts what it expects. ms is what cond needs on an idle machine: the
 * wait ends as soon as cond holds, so the limit is tripled for sanitizers
 * and loaded CI machines. It waits for something to happen; that something
 * did NOT happen is shown with a barrier (a later event on the same ordered
 * path, or a counter of the work done), never by waiting a while. */
#define PP_WAIT_UNTIL(cond, ms)                                                \
    do {                                                                       \
        long long pp_end_ = pp_now_ms() + 3 * (long long)(ms);                 \
        useconds_t pp_nap_ = 50;                                               \
        while (!(cond) && pp_now_ms() < pp_end_) {                             \
            usleep(pp_nap_);                                                   \
            if (pp_nap_ < 2000)                                                \
                pp_nap_ *= 2;                                                  \
        }                                                                      \
    } while (0)

/* UP_GUARD_NS -- the limit of a wait for an association to come up (or
 * fail): a hang guard, not a speed -- the wait ends when it is up. */
#define UP_GUARD_NS 30000000000LL

/* pp_read_line -- one line from the child's stdout within timeout_ms. */
static inline int
pp_read_line(peer_proc *p, int timeout_ms)
{
    size_t n = 0;
    long long end = pp_now_ms() + timeout_ms;
    while (n + 1 < sizeof(p->line)) {
        long long left = end - pp_now_ms();
        if (left <= 0) {
            return -1;
        }
        struct pollfd pf = { p->out_fd, POLLIN, 0 };
        int r = poll(&pf, 1, (int)left);
        if (r <= 0) {
            continue;
        }
        char c;
        ssize_t k = read(p->out_fd, &c, 1);
        if (k <= 0) {
            return -1;
        }
        if (c == '\n') {
            break;
        }
        p->line[n++] = c;
    }
    p->line[n] = '\0';
    return 0;
}

/* pp_start -- run argv (argv[0] a path); wait for "READY <addr> <uid>". */
static inline int
pp_start(peer_proc *p, char *const argv[], int timeout_ms)
{
    int in[2], out[2];
    memset(p, 0, sizeof(*p));
    p->pid = -1;
    if (pipe(in) != 0 || pipe(out) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    signal(SIGPIPE, SIG_IGN);
    if (pp_read_line(p, timeout_ms) != 0) {
        return -1;
    }
    if (sscanf(p->line, "READY %511s %llx", p->address, &p->uid) != 2) {
        return -1;
    }
    return 0;
}

/* pp_stop -- close stdin, give the child grace_ms, then SIGKILL; reap. */
static inline int
pp_stop(peer_proc *p, int grace_ms)
{
    if (p->pid <= 0) {
        return -1;
    }
    if (p->in_fd >= 0) {
        close(p->in_fd);
    }
    p->in_fd = -1;
    int status = 0;
    long long end = pp_now_ms() + grace_ms;
    for (;;) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            break;
        }
        if (pp_now_ms() >= end) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            break;
        }
        usleep(5000);
    }
    if (p->out_fd >= 0) {
        close(p->out_fd);
    }
    p->out_fd = -1;
    p->pid = -1;
    return status;
}

/* pp_kill -- SIGKILL now and reap. */
static inline void
pp_kill(peer_proc *p)
{
    if (p->pid <= 0) {
        return;
    }
    kill(p->pid, SIGKILL);
    int status;
    waitpid(p->pid, &status, 0);
    if (p->in_fd >= 0) {
        close(p->in_fd);
    }
    if (p->out_fd >= 0) {
        close(p->out_fd);
    }
    p->in_fd = p->out_fd = -1;
    p->pid = -1;
}

/* pp_tmpdir -- a fresh directory for ipc:// sockets. */
static inline void
pp_tmpdir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/akt-remote-XXXXXX");
    if (mkdtemp(buf) == NULL) {
        snprintf(buf, len, "/tmp");
    }
}

#endif

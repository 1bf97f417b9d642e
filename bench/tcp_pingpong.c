/*
 * tcp_pingpong.c -- the floor of a remote round trip on this machine: two
 * processes on loopback TCP (TCP_NODELAY), one thread each, blocking
 * send()/recv() of a fixed-size message, one outstanding. No framing
 * beyond the fixed size, no allocation, no thread hand-off: what the
 * kernel and the wire cost. issue 13 compares akt's remote asks and
 * pingpong with it (docs/performance.md, "Remote").
 *
 *   akt-tcp-pingpong [--n N] [--size BYTES] [--busy-poll] [--smoke]
 *
 * --busy-poll: both processes poll recv(MSG_DONTWAIT) instead of
 * sleeping in recv() (scenario "tcp-pingpong-busy"): the floor without a
 * single thread wake-up. The gap between the two floors is what a
 * sleeping hand-off costs on this machine at this moment (on an idle
 * virtual machine tens of microseconds per wake-up; on a busy one, whose
 * CPUs never halt, little), so both are reported beside akt's numbers.
 *
 * Prints one JSON line in the profiler schema (docs/profiler.md):
 * runtime "c", scenario "tcp-pingpong", unit round_trips/s, p50/p99 of the
 * round trip, and cpu_us_per_rt: user+system CPU of both processes per
 * round trip.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
        + ru.ru_stime.tv_usec / 1e6;
}

/* all of len bytes, or -1 */
static int
send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t k = send(fd, p, len, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static int busy_poll; /* --busy-poll: never sleep in recv */

static int
recv_all(int fd, char *p, size_t len)
{
    while (len > 0) {
        ssize_t k = recv(fd, p, len, busy_poll ? MSG_DONTWAIT : 0);
        if (k < 0 && (errno == EINTR || (busy_poll && errno == EAGAIN))) {
            continue;
        }
        if (k <= 0) {
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static void
nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c += 2;
                size_t j = 0;
                for (size_t i = 0; c[i] && c[i] != '\n' && j + 2 < len; i++) {
                    if (c[i] == '"' || c[i] == '\\') {
                        buf[j++] = '\\';
                    }
                    buf[j++] = c[i];
                }
                buf[j] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

int
main(int argc, char **argv)
{
    long n = 100000;
    size_t size = 64;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            n = atol(argv[++i]);
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            size = (size_t)atol(argv[++i]);
        } else if (strcmp(argv[i], "--busy-poll") == 0) {
            busy_poll = 1;
        } else if (strcmp(argv[i], "--smoke") == 0) {
            n = 200;
        } else {
            fprintf(stderr,
                "usage: akt-tcp-pingpong [--n N] [--size B] "
                "[--busy-poll] [--smoke]\n");
            return 2;
        }
    }
    if (n <= 0 || size == 0 || size > (1u << 20)) {
        fprintf(stderr, "akt-tcp-pingpong: bad --n or --size\n");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa
        = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof(sa);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || listen(ls, 1) != 0
        || getsockname(ls, (struct sockaddr *)&sa, &sl) != 0) {
        perror("akt-tcp-pingpong: listen");
        return 1;
    }
    char *buf = calloc(1, size);
    pid_t pid = fork();
    if (pid < 0) {
        perror("akt-tcp-pingpong: fork");
        return 1;
    }
    if (pid == 0) { /* the echo */
        int c = accept(ls, NULL, NULL);
        if (c < 0) {
            _exit(1);
        }
        nodelay(c);
        while (recv_all(c, buf, size) == 0 && send_all(c, buf, size) == 0) { }
        _exit(0);
    }
    close(ls);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("akt-tcp-pingpong: connect");
        kill(pid, SIGKILL);
        return 1;
    }
    nodelay(s);
    double *lat = malloc(sizeof(double) * (size_t)n);
    /* warm up the connection and both processes' caches */
    for (int i = 0; i < 100; i++) {
        if (send_all(s, buf, size) != 0 || recv_all(s, buf, size) != 0) {
            return 1;
        }
    }
    double cpu0 = cpu_s(RUSAGE_SELF);
    double t0 = now_s();
    long i;
    for (i = 0; i < n; i++) {
        double st = now_s();
        memcpy(buf, &i, sizeof(i) < size ? sizeof(i) : size);
        if (send_all(s, buf, size) != 0 || recv_all(s, buf, size) != 0) {
            break;
        }
        lat[i] = (now_s() - st) * 1e6;
    }
    double secs = now_s() - t0;
    double cpu_self = cpu_s(RUSAGE_SELF) - cpu0;
    close(s);
    int st;
    waitpid(pid, &st, 0);
    /* the echo's CPU: the round trips (and 100 of warm-up, noise) */
    double cpu_child = cpu_s(RUSAGE_CHILDREN);
    if (i == 0) {
        fprintf(stderr, "akt-tcp-pingpong: no round trip completed\n");
        return 1;
    }
    qsort(lat, (size_t)i, sizeof(double), cmp_double);
    char cpu[256];
    cpu_model(cpu, sizeof(cpu));
    printf("{\"runtime\":\"c\",\"scenario\":\"%s\",\"params\":{\"n\":"
           "%ld,\"size\":%zu},\"messages\":%ld,\"seconds\":%.4f,\"rate\":%.1f,"
           "\"unit\":\"round_trips/s\",\"threads\":1,\"p50_us\":%.2f,"
           "\"p99_us\":%.2f,\"cpu_us_per_rt\":%.2f,\"transport\":\"tcp\","
           "\"version\":\"kernel\",\"machine\":{\"cores\":%ld,\"cpu\":\"%s\"}}"
           "\n",
        busy_poll ? "tcp-pingpong-busy" : "tcp-pingpong", n, size, 2 * i, secs,
        i / secs, lat[i / 2], lat[(size_t)((double)i * 0.99)],
        (cpu_self + cpu_child) * 1e6 / (double)i, sysconf(_SC_NPROCESSORS_ONLN),
        cpu);
    free(lat);
    free(buf);
    return 0;
}

/*
 * etcd_fixture.h -- a real etcd (Debian's etcd-server) for the suites that
 * need one, started on loopback with its own data directory and ports and
 * stopped at the end; never mocked. Every wait is for an event, bounded by
 * a deadline: readiness is etcd's own "serving ... client requests" line in
 * its log, watched with inotify (no probing at intervals); a key going away
 * is an etcd watch on it (one HTTP request whose answer streams the key's
 * events as they happen). Plain sockets and syscalls only: NNG must not
 * start its threads in the Check runner before it forks the tests.
 */
#ifndef AKT_TESTS_CLUSTER_ETCD_FIXTURE_H
#define AKT_TESTS_CLUSTER_ETCD_FIXTURE_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct etcd_fixture {
    pid_t pid;
    int port; /* client port on 127.0.0.1 */
    char dir[64];
    char log[96];
    char endpoint[64]; /* http://127.0.0.1:port */
} etcd_fixture;

static inline int64_t
etcd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a port nobody listens on right now */
static inline int
etcd_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a
        = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0
        || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        if (s >= 0) {
            close(s);
        }
        return -1;
    }
    int port = ntohs(a.sin_port);
    close(s);
    return port;
}

/* true when the log file holds line */
static inline bool
etcd_log_has(const char *path, const char *line)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    char buf[1024];
    bool found = false;
    while (!found && fgets(buf, sizeof buf, f) != NULL) {
        found = strstr(buf, line) != NULL;
    }
    fclose(f);
    return found;
}

static inline void
etcd_print_log(const etcd_fixture *e)
{
    FILE *f = fopen(e->log, "r");
    char buf[1024];
    while (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
        fprintf(stderr, "etcd: %s", buf);
    }
    if (f != NULL) {
        fclose(f);
    }
}

/* etcd_start -- start etcd and return once it serves clients (its log says
 * so), at most timeout_ms; false (with its log on stderr) otherwise. Exits
 * 77 (skipped) when etcd is not installed. */
static inline bool
etcd_start(etcd_fixture *e, int timeout_ms)
{
    if (access("/usr/bin/etcd", X_OK) != 0) {
        fprintf(stderr,
            "skipped: /usr/bin/etcd not installed "
            "(scripts/deps.sh installs etcd-server)\n");
        exit(77);
    }
    memset(e, 0, sizeof *e);
    e->pid = -1;
    snprintf(e->dir, sizeof e->dir, "/tmp/akt-etcd-XXXXXX");
    if (mkdtemp(e->dir) == NULL) {
        return false;
    }
    int cport = etcd_free_port(), pport = etcd_free_port();
    if (cport <= 0 || pport <= 0) {
        return false;
    }
    char peer[64], cluster[96], data[96];
    snprintf(e->endpoint, sizeof e->endpoint, "http://127.0.0.1:%d", cport);
    snprintf(peer, sizeof peer, "http://127.0.0.1:%d", pport);
    snprintf(cluster, sizeof cluster, "t=%s", peer);
    snprintf(data, sizeof data, "%s/data", e->dir);
    snprintf(e->log, sizeof e->log, "%s/etcd.log", e->dir);
    e->port = cport;
    int logfd = open(e->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = inotify_init1(IN_CLOEXEC);
    if (logfd < 0 || in < 0
        || inotify_add_watch(in, e->log, IN_MODIFY | IN_CLOSE_WRITE) < 0) {
        return false;
    }
    e->pid = fork();
    if (e->pid < 0) {
        return false;
    }
    if (e->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(logfd, 2);
        execl("/usr/bin/etcd", "etcd", "--name", "t", "--data-dir", data,
            "--listen-client-urls", e->endpoint, "--advertise-client-urls",
            e->endpoint, "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
            (char *)NULL);
        _exit(127);
    }
    close(logfd);
    /* etcd 3.4 logs this once its gRPC gateway and HTTP mux serve */
    const char *ready = "serving insecure client requests";
    int64_t end = etcd_now_ms() + timeout_ms;
    bool up = etcd_log_has(e->log, ready);
    while (!up) {
        int left = (int)(end - etcd_now_ms());
        if (left <= 0 || waitpid(e->pid, NULL, WNOHANG) == e->pid) {
            break; /* too late, or etcd exited */
        }
        struct pollfd p = { .fd = in, .events = POLLIN };
        if (poll(&p, 1, left) > 0) {
            char ev[4096];
            if (read(in, ev, sizeof ev) < 0) {
                break;
            }
        }
        up = etcd_log_has(e->log, ready);
    }
    close(in);
    if (!up) {
        etcd_print_log(e);
    }
    return up;
}

static inline void
etcd_stop(etcd_fixture *e)
{
    if (e->pid > 0) {
        kill(e->pid, SIGKILL);
        waitpid(e->pid, NULL, 0);
        e->pid = -1;
    }
    if (e->dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "could not remove %s\n", e->dir);
        }
        e->dir[0] = '\0';
    }
}

static inline void
etcd_b64(const char *in, char *out)
{
    static const char t[]
        = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        v |= i + 1 < n ? (unsigned)p[i + 1] << 8 : 0;
        v |= i + 2 < n ? p[i + 2] : 0;
        out[o++] = t[(v >> 18) & 63];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

/* etcd_connect -- a socket to etcd's client port with a receive deadline */
static inline int
etcd_connect(const etcd_fixture *e, int timeout_ms)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET,
        .sin_port = htons((uint16_t)e->port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (s >= 0) {
            close(s);
        }
        return -1;
    }
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

static inline bool
etcd_send_post(int s, const etcd_fixture *e, const char *path, const char *body)
{
    char req[2048];
    int n = snprintf(req, sizeof req,
        "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
        "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
        path, e->port, strlen(body), body);
    return n > 0 && n < (int)sizeof req && write(s, req, (size_t)n) == n;
}

/* etcd_post -- one request, the whole answer (headers and body) into resp;
 * false when etcd did not answer 200 within 5 s */
static inline bool
etcd_post(const etcd_fixture *e, const char *path, const char *body, char *resp,
    size_t cap)
{
    int s = etcd_connect(e, 5000);
    bool ok = false;
    if (s >= 0) {
        char req[2048];
        int n = snprintf(req, sizeof req,
            "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Content-Type: application/json\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n%s",
            path, e->port, strlen(body), body);
        if (n > 0 && n < (int)sizeof req && write(s, req, (size_t)n) == n) {
            size_t got = 0;
            ssize_t k;
            while (
                got + 1 < cap && (k = read(s, resp + got, cap - 1 - got)) > 0) {
                got += (size_t)k;
            }
            resp[got] = '\0';
            ok = strstr(resp, " 200 ") != NULL;
        }
        close(s);
    }
    return ok;
}

/* etcd_watch -- an etcd watch on key (prefix: every key under it) from
 * revision 1, so that nothing that happened before the watch began is
 * missed. Returns the socket its events stream on (-1 on failure). */
static inline int
etcd_watch(const etcd_fixture *e, const char *key, bool prefix, int timeout_ms)
{
    char k64[512], end64[512], body[1200];
    etcd_b64(key, k64);
    if (prefix) {
        char end[256];
        snprintf(end, sizeof end, "%s", key);
        end[strlen(end) - 1]++; /* the key after every key under it */
        etcd_b64(end, end64);
        snprintf(body, sizeof body,
            "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\","
            "\"start_revision\":\"1\"}}",
            k64, end64);
    } else {
        snprintf(body, sizeof body,
            "{\"create_request\":{\"key\":\"%s\",\"start_revision\":\"1\"}}",
            k64);
    }
    int s = etcd_connect(e, timeout_ms);
    if (s >= 0 && !etcd_send_post(s, e, "/v3/watch", body)) {
        close(s);
        s = -1;
    }
    return s;
}

/* etcd_watch_until -- read the watch stream until its text holds n
 * occurrences of what (e.g. "\"DELETE\""), or the socket's deadline passes
 * without a byte; true when seen. Blocking reads: each returns when etcd
 * sends an event. */
static inline bool
etcd_watch_until(int s, const char *what, int n)
{
    static char buf[1 << 16];
    size_t got = 0;
    for (;;) {
        int seen = 0;
        for (const char *p = buf; got > 0 && (p = strstr(p, what)) != NULL;
             p += strlen(what)) {
            seen++;
        }
        if (seen >= n) {
            return true;
        }
        if (got + 1 >= sizeof buf) {
            return false;
        }
        ssize_t k = read(s, buf + got, sizeof buf - 1 - got);
        if (k <= 0) {
            return false;
        }
        got += (size_t)k;
        buf[got] = '\0';
    }
}

#endif /* AKT_TESTS_CLUSTER_ETCD_FIXTURE_H */

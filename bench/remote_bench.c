/*
 * remote_bench.c -- remoting benchmarks on loopback, two processes.
 *
 *   akt-remote-bench [--n N] [--pingpong-n N] [--url tcp|ipc] [--scenario S]
 *   akt-remote-bench --help
 *
 * The program re-executes itself as the second process (`--child ...`,
 * fork+exec: NNG's threads do not survive a plain fork). Scenarios:
 *
 *   remote-tell-raw     one-way throughput of 16-byte envelopes through the
 *                       transport (what the wire and batching give)
 *   remote-pingpong-raw one envelope bounced N times; p50/p99 round trip
 *   remote-tell         one-way throughput actor -> remote actor (tell
 *                       through a remote ref; encode, batch, decode, deliver)
 *   remote-tell-sender  the same with a local actor as each tell's sender
 *                       (its path travels with every message)
 *   remote-ask          round trips/s of asks to a remote actor, one
 *                       outstanding, from a plain thread (akt_ask +
 *                       akt_future_wait); p50/p99
 *   remote-ask-actor    the same request/reply from an actor: it tells the
 *                       remote echo with itself as sender and sends the
 *                       next request from its Pong handler (no blocked
 *                       thread in the loop); p50/p99
 *   nng-reqrep          the floor, measured in the same run: a plain NNG
 *                       REQ/REP round trip of 64 bytes between the same two
 *                       kinds of process (docs/remoting.md uses it as the
 *                       floor of a remote ask)
 *   nng-stream-pingpong what NNG's byte-stream layer gives (issue 13 §1's
 *                       proposed data lanes): 64 bytes bounced over one
 *                       nng_stream connection, each side one thread that
 *                       sends and receives with callback-less aios (a
 *                       send that the socket takes at once completes on
 *                       the sending thread; a receive completes on NNG's
 *                       poller thread, which wakes the reader)
 *   nng-stream-handoff  the same with the thread hand-offs an ask keeps on
 *                       such a transport: the child's reader hands each
 *                       message to another thread that sends the reply
 *                       (the actor's worker), the parent's reader hands the
 *                       reply to the thread that sent the request (the
 *                       asker waiting on its future)
 *
 * AKT_BENCH_PROXY_DISPATCHER=NAME (environment, both processes) runs the
 * proxies on that dispatcher ("default": the pool) instead of the calling
 * thread, to compare the two.
 *
 * One JSON object per result on stdout (docs/profiler.md schema), with
 * cpu_us_per_rt (round trips, asks) or cpu_us_per_msg (one way): user +
 * system CPU of both processes over the timed part, per unit.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "akt/akt.h"
#include "akt/remote.h"
#include "remote/rt_msgs.h"
#include "remote/transport.h"

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
machine_json(char *buf, size_t len)
{
    char cpu[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    c += 2;
                    size_t n = strcspn(c, "\n");
                    size_t j = 0;
                    for (size_t i = 0; i < n && j + 2 < sizeof(cpu); i++) {
                        if (c[i] == '"' || c[i] == '\\') {
                            cpu[j++] = '\\';
                        }
                        cpu[j++] = c[i];
                    }
                    cpu[j] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    snprintf(buf, len, "{\"cores\":%ld,\"cpu\":\"%s\"}",
        sysconf(_SC_NPROCESSORS_ONLN), cpu);
}

/* CPU of both processes: ours (getrusage) and the child's
 * (/proc/<pid>/stat utime + stime), seconds. g_cpu_child is the child of
 * the scenario that runs; cpu_mark starts a measurement and emit reports
 * it per round trip or message (cpu_us_per_rt / cpu_us_per_msg). */
static pid_t g_cpu_child;

/* --lanes socket|stream (akt.remote.data-lanes), passed to the child in
 * the environment: AKT_BENCH_DATA_LANES */
static const char *
bench_lanes(void)
{
    const char *v = getenv("AKT_BENCH_DATA_LANES");
    return v != NULL && strcmp(v, "socket") == 0 ? "socket" : "stream";
}

/* --lane-busy-poll US (akt.remote.lane-busy-poll, both processes; -1:
 * the default), passed to the child in AKT_BENCH_LANE_BUSY_POLL */
static long
bench_lane_poll_us(void)
{
    const char *v = getenv("AKT_BENCH_LANE_BUSY_POLL");
    return v != NULL ? atol(v) : -1;
}

/* the transport's option for it (0 there: the default; < 0: none) */
static int64_t
bench_lane_poll_opt(void)
{
    long us = bench_lane_poll_us();
    return us < 0 ? 0 : us == 0 ? -1 : (int64_t)us * 1000;
}

static int
bench_lanes_opt(void)
{
    return strcmp(bench_lanes(), "stream") == 0 ? AKTI_LANES_STREAM
                                                : AKTI_LANES_SOCKET;
}
static double g_cpu_mark = -1, g_cpu_mark_self;

/* cpu_self -- this process's user + system CPU, seconds */
static double
cpu_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
        + ru.ru_stime.tv_usec / 1e6;
}

static double
cpu_both(void)
{
    double s = cpu_self();
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)g_cpu_child);
    FILE *f = g_cpu_child > 0 ? fopen(path, "r") : NULL;
    if (f != NULL) {
        char buf[1024];
        size_t k = fread(buf, 1, sizeof(buf) - 1, f);
        buf[k] = '\0';
        fclose(f);
        /* fields after the command name in parentheses: 14 utime, 15
         * stime (clock ticks) */
        char *p = strrchr(buf, ')');
        unsigned long ut = 0, st = 0;
        if (p != NULL
            && sscanf(p + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                   &st)
                == 2) {
            s += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
        }
    }
    return s;
}

static void
cpu_mark(void)
{
    g_cpu_mark_self = cpu_self();
    g_cpu_mark = cpu_both();
}

static void
emit(const char *scenario, long n, long messages, double secs, double rate,
    const char *unit, double p50, double p99, const char *url)
{
    /* CPU per unit of work since cpu_mark: per round trip (half the
     * messages) or per message (one-way scenarios); both processes, and
     * this one alone (the sender of the one-way scenarios, the asker) */
    char cpu[128] = "";
    if (g_cpu_mark >= 0 && messages > 0) {
        bool rt = strstr(unit, "round_trips") || strstr(unit, "asks");
        double units = (double)(rt ? messages / 2 : messages);
        double self = (cpu_self() - g_cpu_mark_self) * 1e6 / units;
        double per = (cpu_both() - g_cpu_mark) * 1e6 / units;
        snprintf(cpu, sizeof(cpu), ",\"%s\":%.2f,\"cpu_us_parent\":%.2f",
            rt ? "cpu_us_per_rt" : "cpu_us_per_msg", per, self);
    }
    g_cpu_mark = -1;
    char m[512];
    machine_json(m, sizeof(m));
    char p50s[32] = "null", p99s[32] = "null";
    if (p50 >= 0) {
        snprintf(p50s, sizeof(p50s), "%.2f", p50);
    }
    if (p99 >= 0) {
        snprintf(p99s, sizeof(p99s), "%.2f", p99);
    }
    printf("{\"runtime\":\"akt\",\"scenario\":\"%s\",\"params\":{\"n\":%ld},"
           "\"messages\":%ld,"
           "\"seconds\":%.4f,\"rate\":%.1f,\"unit\":\"%s\",\"threads\":2,\"p50_"
           "us\":%s,"
           "\"p99_us\":%s,\"transport\":\"%s\",\"data_lanes\":\"%s\"%s,"
           "\"version\":\"%s\",\"machine\":%s}\n",
        scenario, n, messages, secs, rate, unit, p50s, p99s, url, bench_lanes(),
        cpu, AKT_VERSION_STRING, m);
    fflush(stdout);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* --- the child: sink / echo over the raw transport --------------------------
 */

static akti_tp *c_tp;
static _Atomic long c_count;
static long c_target;

static size_t
child_on_envelope(
    void *arg, const akti_peer *from, int ch, const akti_envelope *env)
{
    (void)arg;
    if (env->type_id == 2) { /* echo */
        akti_envelope r = { env->sender, env->sender_len, env->recipient,
            env->recipient_len, 2, env->payload, env->payload_len };
        akti_assoc_send(from->assoc, &r, false, from->uid);
        return 0;
    }
    long n = atomic_fetch_add(&c_count, 1) + 1;
    if (env->type_id == 6) { /* reset: the next n messages are counted */
        memcpy(&c_target, env->payload, sizeof(long));
        atomic_store(&c_count, 0);
        return 0;
    }
    if (n == c_target) {
        akti_envelope r = { "/user/bench", 11, "/user/sink", 10, 5,
            (const uint8_t *)&n, sizeof(n) };
        akti_assoc_send(from->assoc, &r, true, from->uid);
    }
    (void)ch;
    return 0;
}

static const akti_tp_callbacks child_cbs = { .on_envelope = child_on_envelope };

static int
child_main(const char *url)
{
    akti_tp_opts o;
    akti_tp_opts_default(&o);
    o.system_name = "sink";
    o.listen_url = url;
    o.data_lanes = bench_lanes_opt();
    o.lane_busy_poll_ns = bench_lane_poll_opt();
    o.outbound_queue_size = 1u << 16;
    o.overflow = AKT_OVERFLOW_BLOCK;
    o.cb = &child_cbs;
    c_target = -1;
    if (akti_tp_start(&o, &c_tp) != AKT_OK) {
        return 1;
    }
    printf("READY %s\n", akti_tp_address(c_tp));
    fflush(stdout);
    char buf[16];
    while (read(0, buf, sizeof(buf)) > 0) { }
    akti_tp_free(c_tp);
    return 0;
}

/* --- the child for nng-reqrep: a REP socket that echoes ----------------- */

static void *
exit_on_eof(void *arg)
{
    (void)arg;
    char buf[16];
    while (read(0, buf, sizeof(buf)) > 0) { }
    _exit(0);
    return NULL;
}

static int
child_rep_main(const char *url)
{
    pthread_t th;
    pthread_create(&th, NULL, exit_on_eof, NULL);
    nng_socket s;
    nng_listener l;
    if (nng_rep0_open(&s) != 0 || nng_listener_create(&l, s, url) != 0
        || nng_listener_start(l, 0) != 0) {
        return 1;
    }
    int port = 0;
    nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port);
    if (strncmp(url, "tcp://", 6) == 0) {
        printf("READY tcp://127.0.0.1:%d\n", port);
    } else {
        printf("READY %s\n", url);
    }
    fflush(stdout);
    for (;;) {
        nng_msg *m;
        if (nng_recvmsg(s, &m, 0) != 0) {
            break;
        }
        if (nng_sendmsg(s, m, 0) != 0) {
            nng_msg_free(m);
        }
    }
    return 0;
}

/* --- the child for actor scenarios: an akt system with /user/sink, /user/echo
 * --- */

static _Atomic int64_t n_sink;

static akt_err
node_sink(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const rt_Ping *p = msg;
    if (p->n == -7) {
        rt_Pong *r = rt_pong_new(atomic_load(&n_sink));
        if (akt_reply(ctx, r) != AKT_OK) {
            akt_msg_free(r);
        }
        return AKT_OK;
    }
    atomic_fetch_add_explicit(&n_sink, 1, memory_order_relaxed);
    return AKT_OK;
}

static akt_err
node_echo(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    rt_Pong *r = rt_pong_new(((const rt_Ping *)msg)->n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static const akt_handler sink_h[] = { { &rt_ping_desc, node_sink } };
static const akt_behavior sink_b = { "sink", sink_h, 1, NULL };
static const akt_handler echo_h[] = { { &rt_ping_desc, node_echo } };
static const akt_behavior echo_b = { "echo", echo_h, 1, NULL };

static const char *bench_conf = "akt.remote.outbound-queue-size = 262144\n"
                                "akt.remote.overflow = block\n";

static akt_err
node_start(const char *name, const char *url, akt_system **sys,
    akt_registry **reg, akt_config **cfg)
{
    akt_err rc = akt_system_create(name, NULL, sys);
    if (rc == AKT_OK) {
        rc = akt_registry_new(reg);
    }
    if (rc == AKT_OK) {
        rc = rt_register_types(*reg);
    }
    char conf[320];
    int cn = snprintf(conf, sizeof(conf), "%sakt.remote.data-lanes = %s\n",
        bench_conf, bench_lanes());
    if (bench_lane_poll_us() >= 0 && cn > 0 && (size_t)cn < sizeof(conf)) {
        snprintf(conf + cn, sizeof(conf) - (size_t)cn,
            "akt.remote.lane-busy-poll = %ldus\n", bench_lane_poll_us());
    }
    if (rc == AKT_OK) {
        rc = akt_config_parse_string(conf, strlen(conf), "bench", cfg, NULL);
    }
    if (rc == AKT_OK) {
        /* both processes: where proxies run (NULL: calling-thread) */
        akt_remote_options o = { .listen_url = url,
            .registry = *reg,
            .config = *cfg,
            .proxy_dispatcher = getenv("AKT_BENCH_PROXY_DISPATCHER") };
        rc = akt_remote_start(*sys, &o);
    }
    return rc;
}

static int
child_node_main(const char *url)
{
    akt_system *sys;
    akt_registry *reg;
    akt_config *cfg;
    if (node_start("sink", url, &sys, &reg, &cfg) != AKT_OK) {
        return 1;
    }
    akt_props ps = { .behavior = &sink_b }, pe = { .behavior = &echo_b };
    akt_ref r;
    akt_spawn(sys, &ps, "sink", &r);
    akt_spawn(sys, &pe, "echo", &r);
    char addr[512];
    akt_remote_address(sys, addr, sizeof(addr));
    printf("READY %s\n", addr);
    fflush(stdout);
    char buf[16];
    while (read(0, buf, sizeof(buf)) > 0) { }
    akt_remote_stop(sys);
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    return 0;
}

/* --- the parent
 * ------------------------------------------------------------------ */

static pthread_mutex_t p_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t p_cv = PTHREAD_COND_INITIALIZER;
static long p_done = -1;
static long p_echoes;

static size_t
parent_on_envelope(
    void *arg, const akti_peer *from, int ch, const akti_envelope *env)
{
    (void)arg;
    (void)from;
    (void)ch;
    pthread_mutex_lock(&p_mu);
    if (env->type_id == 5) {
        memcpy(&p_done, env->payload, sizeof(long));
    } else if (env->type_id == 2) {
        p_echoes++;
    }
    pthread_cond_broadcast(&p_cv);
    pthread_mutex_unlock(&p_mu);
    return 0;
}

static const akti_tp_callbacks parent_cbs
    = { .on_envelope = parent_on_envelope };

typedef struct child_proc {
    const char *mode;
    pid_t pid;
    int in_fd;
    char url[256];
} child_proc;

static int
spawn_child(const char *self, const char *listen, child_proc *c)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out)) {
        return -1;
    }
    c->pid = fork();
    g_cpu_child = c->pid;
    if (c->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(self, self, c->mode, listen, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->in_fd = in[1];
    FILE *f = fdopen(out[0], "r");
    char line[512];
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
        return -1;
    }
    if (sscanf(line, "READY %255s", c->url) != 1) {
        return -1;
    }
    return 0;
}

static void
stop_child(child_proc *c)
{
    close(c->in_fd);
    int st;
    for (int i = 0; i < 200; i++) {
        if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
            return;
        }
        usleep(10000);
    }
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &st, 0);
}

static void
bench_tell_raw(akti_assoc *a, long n, const char *kind)
{
    long target = n;
    akti_envelope reset = { "/user/sink", 10, "/user/bench", 11, 6,
        (const uint8_t *)&target, sizeof(long) };
    akti_assoc_send(a, &reset, false, 0);
    usleep(100000);
    pthread_mutex_lock(&p_mu);
    p_done = -1;
    pthread_mutex_unlock(&p_mu);
    uint8_t payload[16] = { 0 };
    akti_envelope e
        = { "/user/sink", 10, "/user/bench", 11, 7, payload, sizeof(payload) };
    cpu_mark();
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        memcpy(payload, &i, sizeof(i));
        while (akti_assoc_send(a, &e, false, 0) != AKT_OK) { }
    }
    pthread_mutex_lock(&p_mu);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 60;
    while (p_done < 0 && pthread_cond_timedwait(&p_cv, &p_mu, &dl) == 0) { }
    long got = p_done;
    pthread_mutex_unlock(&p_mu);
    double secs = now_s() - t0;
    if (got < 0) {
        fprintf(stderr,
            "remote-tell-raw: sink did not report (messages dropped?)\n");
        return;
    }
    emit("remote-tell-raw", n, n, secs, n / secs, "messages/s", -1, -1, kind);
}

static void
bench_pingpong_raw(akti_assoc *a, long n, const char *kind)
{
    double *lat = malloc(sizeof(double) * (size_t)n);
    uint8_t payload[16] = { 0 };
    akti_envelope e
        = { "/user/echo", 10, "/user/bench", 11, 2, payload, sizeof(payload) };
    pthread_mutex_lock(&p_mu);
    p_echoes = 0;
    pthread_mutex_unlock(&p_mu);
    cpu_mark();
    double t0 = now_s();
    long i;
    for (i = 0; i < n; i++) {
        double s = now_s();
        akti_assoc_send(a, &e, false, 0);
        pthread_mutex_lock(&p_mu);
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 5;
        while (
            p_echoes <= i && pthread_cond_timedwait(&p_cv, &p_mu, &dl) == 0) { }
        bool ok = p_echoes > i;
        pthread_mutex_unlock(&p_mu);
        if (!ok) {
            break;
        }
        lat[i] = (now_s() - s) * 1e6;
    }
    double secs = now_s() - t0;
    if (i > 0) {
        qsort(lat, (size_t)i, sizeof(double), cmp_double);
        emit("remote-pingpong-raw", n, 2 * i, secs, i / secs, "round_trips/s",
            lat[i / 2], lat[(size_t)((double)i * 0.99)], kind);
    }
    free(lat);
}

static void
bench_reqrep(const char *self, const char *listen, long n, const char *kind)
{
    child_proc c = { .mode = "--child-rep" };
    if (spawn_child(self, listen, &c) != 0) {
        fprintf(stderr, "cannot start the REP child\n");
        return;
    }
    nng_socket s;
    double *lat = malloc(sizeof(double) * (size_t)n);
    long i = 0;
    if (lat != NULL && nng_req0_open(&s) == 0) {
        nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
        if (nng_dial(s, c.url, NULL, 0) == 0) {
            cpu_mark();
            double t0 = now_s();
            for (i = 0; i < n; i++) {
                nng_msg *m;
                double st = now_s();
                if (nng_msg_alloc(&m, 64) != 0) {
                    break;
                }
                if (nng_sendmsg(s, m, 0) != 0) {
                    nng_msg_free(m);
                    break;
                }
                if (nng_recvmsg(s, &m, 0) != 0) {
                    break;
                }
                nng_msg_free(m);
                lat[i] = (now_s() - st) * 1e6;
            }
            double secs = now_s() - t0;
            if (i > 0) {
                qsort(lat, (size_t)i, sizeof(double), cmp_double);
                emit("nng-reqrep", n, 2 * i, secs, i / secs, "round_trips/s",
                    lat[i / 2], lat[(size_t)((double)i * 0.99)], kind);
            }
        }
        nng_close(s);
    }
    free(lat);
    stop_child(&c);
}

/* --- nng-stream-pingpong: both sides -------------------------------------- */

/* stream_xfer -- send or receive exactly len bytes on st with aio (no
 * callback: a transfer NNG completes at once never leaves this thread) */
static int
stream_xfer(nng_stream *st, nng_aio *aio, uint8_t *buf, size_t len, bool send)
{
    size_t done = 0;
    while (done < len) {
        nng_iov iov = { buf + done, len - done };
        nng_aio_set_iov(aio, 1, &iov);
        if (send) {
            nng_stream_send(st, aio);
        } else {
            nng_stream_recv(st, aio);
        }
        nng_aio_wait(aio);
        int rv = nng_aio_result(aio);
        if (rv != 0) {
            return rv;
        }
        done += nng_aio_count(aio);
    }
    return 0;
}

/* relay -- a one-slot hand-off between two threads (a mailbox and a
 * worker, a future and its waiter) */
typedef struct relay {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool full;
    bool closed;
} relay;

static void
relay_put(relay *r, bool close)
{
    pthread_mutex_lock(&r->mu);
    r->full = true;
    r->closed |= close;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static bool
relay_take(relay *r)
{
    pthread_mutex_lock(&r->mu);
    while (!r->full && !r->closed) {
        pthread_cond_wait(&r->cv, &r->mu);
    }
    bool ok = r->full && !r->closed;
    r->full = false;
    pthread_mutex_unlock(&r->mu);
    return ok;
}

typedef struct stream_reader {
    nng_stream *st;
    relay *r;
} stream_reader;

/* reads 64-byte messages and hands each to r (the buffer's content is
 * not looked at: one message is in flight at a time) */
static void *
stream_reader_main(void *arg)
{
    stream_reader *sr = arg;
    nng_aio *aio;
    uint8_t buf[64];
    if (nng_aio_alloc(&aio, NULL, NULL) != 0) {
        relay_put(sr->r, true);
        return NULL;
    }
    while (stream_xfer(sr->st, aio, buf, sizeof(buf), false) == 0) {
        relay_put(sr->r, false);
    }
    relay_put(sr->r, true);
    nng_aio_free(aio);
    return NULL;
}

static int
child_stream_main(const char *url, bool handoff)
{
    pthread_t th;
    pthread_create(&th, NULL, exit_on_eof, NULL);
    nng_stream_listener *l;
    nng_aio *aio;
    if (nng_stream_listener_alloc(&l, url) != 0
        || nng_stream_listener_listen(l) != 0
        || nng_aio_alloc(&aio, NULL, NULL) != 0) {
        return 1;
    }
    int port = 0;
    nng_stream_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port);
    if (strncmp(url, "tcp://", 6) == 0) {
        printf("READY tcp://127.0.0.1:%d\n", port);
    } else {
        printf("READY %s\n", url);
    }
    fflush(stdout);
    nng_stream_listener_accept(l, aio);
    nng_aio_wait(aio);
    if (nng_aio_result(aio) != 0) {
        return 1;
    }
    nng_stream *st = nng_aio_get_output(aio, 0);
    nng_stream_set_bool(st, NNG_OPT_TCP_NODELAY, true);
    uint8_t buf[64] = { 0 };
    if (handoff) {
        relay r = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,
            false };
        stream_reader sr = { st, &r };
        pthread_t rd;
        pthread_create(&rd, NULL, stream_reader_main, &sr);
        while (relay_take(&r)
            && stream_xfer(st, aio, buf, sizeof(buf), true) == 0) { }
        return 0;
    }
    while (stream_xfer(st, aio, buf, sizeof(buf), false) == 0
        && stream_xfer(st, aio, buf, sizeof(buf), true) == 0) { }
    return 0;
}

static void
bench_stream(const char *self, const char *listen, long n, const char *kind,
    bool handoff)
{
    child_proc c = { .mode = handoff ? "--child-stream-h" : "--child-stream" };
    if (spawn_child(self, listen, &c) != 0) {
        fprintf(stderr, "cannot start the stream child\n");
        return;
    }
    nng_stream_dialer *d = NULL;
    nng_aio *aio = NULL;
    nng_stream *st = NULL;
    double *lat = malloc(sizeof(double) * (size_t)n);
    if (lat != NULL && nng_stream_dialer_alloc(&d, c.url) == 0
        && nng_aio_alloc(&aio, NULL, NULL) == 0) {
        nng_stream_dialer_dial(d, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio) == 0) {
            st = nng_aio_get_output(aio, 0);
            nng_stream_set_bool(st, NNG_OPT_TCP_NODELAY, true);
        }
    }
    long i = 0;
    relay r
        = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false };
    stream_reader sr = { st, &r };
    pthread_t rd;
    bool reader = false;
    if (st != NULL && handoff) {
        reader = pthread_create(&rd, NULL, stream_reader_main, &sr) == 0;
    }
    if (st != NULL && (reader || !handoff)) {
        uint8_t buf[64] = { 0 };
        cpu_mark();
        double t0 = now_s();
        for (i = 0; i < n; i++) {
            double t = now_s();
            if (stream_xfer(st, aio, buf, sizeof(buf), true) != 0
                || (handoff
                        ? !relay_take(&r)
                        : stream_xfer(st, aio, buf, sizeof(buf), false) != 0)) {
                break;
            }
            lat[i] = (now_s() - t) * 1e6;
        }
        double secs = now_s() - t0;
        if (i > 0) {
            qsort(lat, (size_t)i, sizeof(double), cmp_double);
            emit(handoff ? "nng-stream-handoff" : "nng-stream-pingpong", n,
                2 * i, secs, i / secs, "round_trips/s", lat[i / 2],
                lat[(size_t)((double)i * 0.99)], kind);
        }
    }
    /* the child first: its exit ends our reader's receive (NNG 1.5.2 never
     * completes a receive issued on a stream this side already closed) */
    stop_child(&c);
    if (reader) {
        pthread_join(rd, NULL);
    }
    if (st != NULL) {
        nng_stream_free(st);
    }
    nng_aio_free(aio);
    nng_stream_dialer_free(d);
    free(lat);
}

/* remote-ask-actor: an actor that asks the remote echo, one outstanding */
typedef struct asker {
    akt_ref echo;
    long n, i;
    double sent;
    double *lat;
} asker;

static pthread_mutex_t a_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t a_cv = PTHREAD_COND_INITIALIZER;
static long a_done = -1;

static void
asker_finish(long got)
{
    pthread_mutex_lock(&a_mu);
    a_done = got;
    pthread_cond_broadcast(&a_cv);
    pthread_mutex_unlock(&a_mu);
}

static akt_err
asker_pong(void *state, akt_ctx *ctx, const void *msg)
{
    asker *a = *(asker **)state;
    const rt_Pong *p = msg;
    if (p->n >= 0) { /* a reply (n < 0: the start signal from main) */
        if (p->n != a->i) {
            asker_finish(a->i);
            return AKT_OK;
        }
        a->lat[a->i++] = (now_s() - a->sent) * 1e6;
    }
    if (a->i == a->n) {
        asker_finish(a->i);
        return AKT_OK;
    }
    a->sent = now_s();
    if (akt_tell(a->echo, rt_ping_new(a->i), akt_ctx_self(ctx)) != AKT_OK) {
        asker_finish(a->i);
    }
    return AKT_OK;
}

static akt_err
asker_init(void *state, const void *arg)
{
    *(asker **)state = (asker *)arg;
    return AKT_OK;
}

static const akt_handler asker_h[] = { { &rt_pong_desc, asker_pong } };
static const akt_behavior asker_b = { "asker", asker_h, 1, NULL };

static void
bench_ask_actor(akt_system *sys, akt_ref echo, long n, const char *kind)
{
    asker a = { .echo = echo, .n = n };
    a.lat = malloc(sizeof(double) * (size_t)n);
    if (a.lat == NULL) {
        return;
    }
    akt_props p = { .behavior = &asker_b,
        .state_size = sizeof(asker *),
        .state_init = asker_init,
        .init_arg = &a };
    akt_ref ref;
    if (akt_spawn(sys, &p, "asker", &ref) != AKT_OK) {
        free(a.lat);
        return;
    }
    pthread_mutex_lock(&a_mu);
    a_done = -1;
    pthread_mutex_unlock(&a_mu);
    cpu_mark();
    double t0 = now_s();
    akt_tell(ref, rt_pong_new(-1), AKT_REF_NONE);
    pthread_mutex_lock(&a_mu);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 120;
    while (a_done < 0 && pthread_cond_timedwait(&a_cv, &a_mu, &dl) == 0) { }
    long got = a_done;
    pthread_mutex_unlock(&a_mu);
    double secs = now_s() - t0;
    akt_future *gone = NULL;
    akt_watch_future(ref, &gone);
    akt_stop(ref);
    if (gone != NULL) { /* the actor is done with a (on this stack) */
        akt_future_wait(gone, AKT_SEC(10), NULL);
        akt_future_release(gone);
    }
    if (got == n) {
        qsort(a.lat, (size_t)got, sizeof(double), cmp_double);
        emit("remote-ask-actor", n, 2 * got, secs, got / secs, "asks/s",
            a.lat[got / 2], a.lat[(size_t)((double)got * 0.99)], kind);
    } else {
        fprintf(stderr, "remote-ask-actor: %ld of %ld replies\n", got, n);
    }
    free(a.lat);
}

static int64_t
ask_n(akt_ref to, int64_t n)
{
    akt_future *f;
    if (akt_ask(to, rt_ping_new(n), AKT_SEC(10), &f) != AKT_OK) {
        return -1;
    }
    void *reply = NULL;
    akt_err rc = akt_future_wait(f, AKT_SEC(11), &reply);
    akt_future_release(f);
    if (rc != AKT_OK || reply == NULL) {
        return -1;
    }
    int64_t v = ((rt_Pong *)reply)->n;
    akt_msg_free(reply);
    return v;
}

/* n tells to the remote sink from this thread (sender: none, or a local
 * actor whose path travels with each message), timed until the sink
 * counted them all */
static void
bench_tell(
    akt_ref sink, akt_ref from, const char *name, long n, const char *kind)
{
    int64_t base = ask_n(sink, -7);
    cpu_mark();
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        rt_Ping *m = rt_ping_new(i);
        while (akt_tell(sink, m, from) != AKT_OK) { }
    }
    int64_t got = 0;
    while (got < base + n) {
        got = ask_n(sink, -7);
        if (got < 0) {
            break;
        }
        if (got < base + n) {
            usleep(1000);
        }
    }
    double secs = now_s() - t0;
    if (got >= base + n) {
        emit(name, n, n, secs, n / secs, "messages/s", -1, -1, kind);
    } else {
        fprintf(stderr, "%s: only %lld of %ld arrived\n", name,
            (long long)(got - base), n);
    }
}

static int
actor_scenarios(const char *self, const char *kind, const char *listen,
    const char *mine, long n, long npp, const char *only)
{
    child_proc c = { .mode = "--child-node" };
    if (spawn_child(self, listen, &c) != 0) {
        fprintf(stderr, "cannot start the child node\n");
        return 1;
    }
    akt_system *sys;
    akt_registry *reg;
    akt_config *cfg;
    if (node_start("bench", mine, &sys, &reg, &cfg) != AKT_OK) {
        stop_child(&c);
        return 1;
    }
    char path[600];
    akt_ref sink, echo;
    snprintf(path, sizeof(path), "%s/user/sink", c.url);
    akt_remote_ref(sys, path, &sink);
    snprintf(path, sizeof(path), "%s/user/echo", c.url);
    akt_remote_ref(sys, path, &echo);
    if (ask_n(sink, -7) < 0) {
        fprintf(stderr, "no answer from the child node\n");
    } else {
        if (only == NULL || strcmp(only, "remote-tell") == 0) {
            bench_tell(sink, AKT_REF_NONE, "remote-tell", n, kind);
        }
        if (only == NULL || strcmp(only, "remote-tell-sender") == 0) {
            akt_props ep = { .behavior = &echo_b };
            akt_ref from;
            if (akt_spawn(sys, &ep, "from", &from) == AKT_OK) {
                bench_tell(sink, from, "remote-tell-sender", n, kind);
            }
        }
        if (only == NULL || strcmp(only, "remote-ask") == 0) {
            double *lat = malloc(sizeof(double) * (size_t)npp);
            long i;
            cpu_mark();
            double t0 = now_s();
            for (i = 0; i < npp; i++) {
                double s = now_s();
                if (ask_n(echo, i) != i) {
                    break;
                }
                lat[i] = (now_s() - s) * 1e6;
            }
            double secs = now_s() - t0;
            if (i > 0) {
                qsort(lat, (size_t)i, sizeof(double), cmp_double);
                emit("remote-ask", npp, 2 * i, secs, i / secs, "asks/s",
                    lat[i / 2], lat[(size_t)((double)i * 0.99)], kind);
            }
            free(lat);
        }
        if (only == NULL || strcmp(only, "remote-ask-actor") == 0) {
            bench_ask_actor(sys, echo, npp, kind);
        }
    }
    akt_remote_stats st;
    akt_remote_stats_get(sys, &st);
    fprintf(stderr,
        "actor scenarios: frames sent %llu, envelopes sent %llu (%.1f per "
        "frame), dropped %llu, out of credit %llu times\n",
        (unsigned long long)st.frames_sent,
        (unsigned long long)st.envelopes_sent,
        st.frames_sent ? (double)st.envelopes_sent / st.frames_sent : 0.0,
        (unsigned long long)st.dropped, (unsigned long long)st.credit_waits);
    akt_remote_stop(sys);
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    stop_child(&c);
    return 0;
}

static const char *const bench_scenarios[]
    = { "remote-tell-raw", "remote-pingpong-raw", "remote-tell",
          "remote-tell-sender", "remote-ask", "remote-ask-actor", "nng-reqrep",
          "nng-stream-pingpong", "nng-stream-handoff", NULL };

static void
usage(FILE *to)
{
    fprintf(to,
        "usage: akt-remote-bench [--n N] [--pingpong-n N] [--url tcp|ipc]\n"
        "                        [--lanes socket|stream] [--lane-busy-poll "
        "US]\n"
        "                        [--scenario NAME]\n"
        "\n"
        "Remoting benchmarks between two processes on loopback; one JSON\n"
        "line per result on stdout (docs/profiler.md). Without --scenario\n"
        "every scenario runs.\n"
        "\n"
        "  --n N            messages of the throughput scenarios (2000000)\n"
        "  --pingpong-n N   round trips of the latency scenarios (20000)\n"
        "  --url tcp|ipc    the transport between the two processes (tcp)\n"
        "  --lanes socket|stream  akt.remote.data-lanes of both processes\n"
        "                   (stream, its default)\n"
        "  --lane-busy-poll US  akt.remote.lane-busy-poll of both processes,\n"
        "                   in microseconds (0: none; the default: 100)\n"
        "  --scenario NAME  run one scenario:");
    for (int i = 0; bench_scenarios[i] != NULL; i++) {
        fprintf(to, "%s%s", i % 3 == 0 ? "\n                     " : " ",
            bench_scenarios[i]);
    }
    fprintf(to,
        "\n  -h, --help       this text\n"
        "\n"
        "AKT_BENCH_PROXY_DISPATCHER=NAME runs both processes' proxies on\n"
        "that dispatcher (\"default\": the pool) instead of the calling "
        "thread.\n");
}

static bool
known_scenario(const char *name)
{
    for (int i = 0; bench_scenarios[i] != NULL; i++) {
        if (strcmp(bench_scenarios[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int
main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--child") == 0) {
        return child_main(argv[2]);
    }
    if (argc >= 3 && strcmp(argv[1], "--child-node") == 0) {
        return child_node_main(argv[2]);
    }
    if (argc >= 3 && strcmp(argv[1], "--child-rep") == 0) {
        return child_rep_main(argv[2]);
    }
    if (argc >= 3 && strcmp(argv[1], "--child-stream") == 0) {
        return child_stream_main(argv[2], false);
    }
    if (argc >= 3 && strcmp(argv[1], "--child-stream-h") == 0) {
        return child_stream_main(argv[2], true);
    }
    long n = 2000000, npp = 20000;
    const char *kind = "tcp";
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            n = atol(argv[++i]);
        } else if (strcmp(argv[i], "--pingpong-n") == 0 && i + 1 < argc) {
            npp = atol(argv[++i]);
        } else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
            kind = argv[++i];
        } else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--lanes") == 0 && i + 1 < argc
            && (strcmp(argv[i + 1], "socket") == 0
                || strcmp(argv[i + 1], "stream") == 0)) {
            setenv("AKT_BENCH_DATA_LANES", argv[++i], 1); /* and the child */
        } else if (strcmp(argv[i], "--lane-busy-poll") == 0 && i + 1 < argc
            && atol(argv[i + 1]) >= 0 && atol(argv[i + 1]) <= 10000) {
            setenv("AKT_BENCH_LANE_BUSY_POLL", argv[++i], 1);
        } else if (strcmp(argv[i], "--help") == 0
            || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            /* an unknown or incomplete option must not start a run of
             * every scenario (minutes of CPU on a shared machine) */
            fprintf(stderr, "akt-remote-bench: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (strcmp(kind, "tcp") != 0 && strcmp(kind, "ipc") != 0) {
        fprintf(stderr, "akt-remote-bench: --url must be tcp or ipc\n");
        return 2;
    }
    if (only != NULL && strcmp(only, "all") == 0) {
        only = NULL;
    }
    if (only != NULL && !known_scenario(only)) {
        fprintf(stderr, "akt-remote-bench: unknown scenario '%s'\n", only);
        usage(stderr);
        return 2;
    }
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (sl <= 0) {
        return 1;
    }
    self[sl] = '\0';
    char listen[256], mine[256];
    if (strcmp(kind, "ipc") == 0) {
        snprintf(listen, sizeof(listen), "ipc:///tmp/akt-rbench-%d-child.sock",
            (int)getpid());
        snprintf(mine, sizeof(mine), "ipc:///tmp/akt-rbench-%d-parent.sock",
            (int)getpid());
    } else {
        snprintf(listen, sizeof(listen), "tcp://127.0.0.1:0");
        snprintf(mine, sizeof(mine), "tcp://127.0.0.1:0");
    }
    bool raw = only == NULL || strstr(only, "-raw") != NULL;
    bool actors = only == NULL
        || (strstr(only, "-raw") == NULL && strncmp(only, "nng-", 4) != 0);
    if (only == NULL || strcmp(only, "nng-reqrep") == 0) {
        char l3[300];
        snprintf(l3, sizeof(l3), "%s%s", listen,
            strcmp(kind, "ipc") == 0 ? ".r" : "");
        bench_reqrep(self, l3, npp, kind);
        if (strcmp(kind, "ipc") == 0) {
            unlink(l3 + 6);
        }
    }
    for (int h = 0; h < 2; h++) {
        const char *sc = h ? "nng-stream-handoff" : "nng-stream-pingpong";
        if (only != NULL && strcmp(only, sc) != 0) {
            continue;
        }
        char l4[300];
        snprintf(l4, sizeof(l4), "%s%s", listen,
            strcmp(kind, "ipc") == 0 ? ".s" : "");
        bench_stream(self, l4, npp, kind, h == 1);
        if (strcmp(kind, "ipc") == 0) {
            unlink(l4 + 6);
        }
    }
    if (actors) {
        char l2[300], m2[300];
        snprintf(l2, sizeof(l2), "%s%s", listen,
            strcmp(kind, "ipc") == 0 ? ".n" : "");
        snprintf(
            m2, sizeof(m2), "%s%s", mine, strcmp(kind, "ipc") == 0 ? ".n" : "");
        actor_scenarios(self, kind, l2, m2, n, npp, only);
        if (strcmp(kind, "ipc") == 0) {
            unlink(l2 + 6);
            unlink(m2 + 6);
        }
    }
    if (!raw) {
        return 0;
    }
    child_proc c = { .mode = "--child" };
    if (spawn_child(self, listen, &c) != 0) {
        fprintf(stderr, "cannot start the child process\n");
        return 1;
    }
    akti_tp_opts o;
    akti_tp_opts_default(&o);
    o.system_name = "bench";
    o.listen_url = mine;
    o.data_lanes = bench_lanes_opt();
    o.lane_busy_poll_ns = bench_lane_poll_opt();
    o.outbound_queue_size = 1u << 16;
    o.overflow = AKT_OVERFLOW_FAIL; /* the loop retries: no drops */
    o.cb = &parent_cbs;
    akti_tp *tp;
    if (akti_tp_start(&o, &tp) != AKT_OK) {
        stop_child(&c);
        return 1;
    }
    akti_assoc *a;
    akti_tp_assoc(tp, c.url, "sink", &a);
    if (akti_assoc_wait_up(a, 5000000000LL, NULL) != AKT_OK) {
        fprintf(stderr, "no association\n");
        akti_tp_free(tp);
        stop_child(&c);
        return 1;
    }
    if (only == NULL || strcmp(only, "remote-tell-raw") == 0) {
        bench_tell_raw(a, n, kind);
    }
    if (only == NULL || strcmp(only, "remote-pingpong-raw") == 0) {
        bench_pingpong_raw(a, npp, kind);
    }
    akti_tp_stats st;
    akti_tp_stats_get(tp, &st);
    fprintf(stderr,
        "frames sent %llu, envelopes sent %llu (%.1f per frame); lanes "
        "accepted here %llu: read by the lane reader %llu, by NNG %llu\n",
        (unsigned long long)st.frames_sent,
        (unsigned long long)st.envelopes_sent,
        st.frames_sent ? (double)st.envelopes_sent / st.frames_sent : 0.0,
        (unsigned long long)st.lanes_accepted,
        (unsigned long long)st.lanes_direct, (unsigned long long)st.lanes_nng);
    akti_tp_free(tp);
    stop_child(&c);
    if (strcmp(kind, "ipc") == 0) {
        unlink(listen + 6);
        unlink(mine + 6);
    }
    return 0;
}

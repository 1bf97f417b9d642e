/*
 * flow_node.c -- an akt system with remoting, as a separate process, for
 * the flow-control and bounded-memory tests (flow_test.c). Started with
 * fork+exec; prints "READY <address> 0" and then answers commands on
 * stdin until it reaches EOF.
 *
 *   flow_node sink URL MAILBOX DELAY_US [CONFIG]
 *       /user/slow counts every rt.Ping and takes DELAY_US per message;
 *       an ask (a Ping with a sender) is answered with Pong{n}. MAILBOX:
 *       "default" (the unbounded default), "block" (bounded, 16, BLOCK
 *       with a 10 s block-timeout) or "fail" (bounded, 16, FAIL).
 *   flow_node flood URL TARGET_PATH SECONDS [CONFIG]
 *       on "go": one thread tells Ping{0, 1, ...} to TARGET_PATH and a
 *       second one asks it (akt_ask + wait, 5 s), both through one remote
 *       ref (one proxy), for SECONDS; then prints the DONE line.
 *
 * CONFIG is HOCON text laid over the defaults (akt.remote ...).
 * Commands: "stats" prints one STATS line:
 *   STATS delivered=N order_errors=N ping_dead=N dead=N pending=N
 *         pending_max=N parked=N inbound_dropped=N stalls=N stale=N
 *         credit_waits=N dropped=N hwm_kb=N rss_kb=N live=N live_max=N
 * (ping_dead: dead letters of this system that are rt.Pings; hwm_kb and
 * rss_kb: VmHWM and VmRSS of /proc/self/status; live_max: the most akt
 * messages alive in the process, sampled every millisecond by a thread of
 * its own). The flooder's DONE line:
 *   DONE sent=N asks=N ask_ok=N ask_failed=N
 * where sent counts every Ping handed to akt_tell/akt_ask with AKT_OK
 * (both threads): each is then delivered or a dead letter somewhere.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/remote.h"
#include "remote/rt_msgs.h"

static _Atomic int64_t g_delivered, g_order_errors, g_ping_dead;
static int64_t g_last = -1; /* the slow actor's thread only */
static long g_delay_us;

static void
pause_us(long us)
{
    if (us <= 0) {
        return;
    }
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

static akt_err
slow_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const rt_Ping *p = msg;
    pause_us(g_delay_us);
    atomic_fetch_add(&g_delivered, 1);
    if (akt_ref_is_none(akt_ctx_sender(ctx))) {
        /* the teller's Pings come numbered 0, 1, ... (some may be dead
         * letters): each must be above the last */
        if (p->n <= g_last) {
            atomic_fetch_add(&g_order_errors, 1);
        }
        g_last = p->n;
        return AKT_OK;
    }
    rt_Pong *r = rt_pong_new(p->n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static const akt_handler slow_h[] = { { &rt_ping_desc, slow_ping } };
static const akt_behavior slow_b = { "slow", slow_h, 1, NULL };

static void
on_dead(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    (void)to;
    (void)reason;
    (void)arg;
    if (akt_msg_type(msg) == &rt_ping_desc) {
        atomic_fetch_add(&g_ping_dead, 1);
    }
}

static long
proc_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static _Atomic int64_t g_live_max;
static atomic_bool g_sampling = true;

static void *
sampler(void *arg)
{
    akt_system *sys = arg;
    while (atomic_load(&g_sampling)) {
        akt_system_stats_t ss;
        if (akt_system_stats(sys, &ss) == AKT_OK
            && ss.live_messages > atomic_load(&g_live_max)) {
            atomic_store(&g_live_max, ss.live_messages);
        }
        pause_us(1000);
    }
    return NULL;
}

static void
print_stats(akt_system *sys)
{
    akt_remote_stats st;
    memset(&st, 0, sizeof(st));
    akt_remote_stats_get(sys, &st);
    akt_system_stats_t ss;
    memset(&ss, 0, sizeof(ss));
    akt_system_stats(sys, &ss);
    printf("STATS delivered=%lld order_errors=%lld ping_dead=%lld dead=%llu "
           "pending=%llu pending_max=%llu parked=%llu inbound_dropped=%llu "
           "stalls=%llu stale=%llu credit_waits=%llu dropped=%llu "
           "hwm_kb=%ld rss_kb=%ld live=%lld live_max=%lld\n",
        (long long)atomic_load(&g_delivered),
        (long long)atomic_load(&g_order_errors),
        (long long)atomic_load(&g_ping_dead),
        (unsigned long long)akt_system_dead_letters(sys),
        (unsigned long long)st.receive_pending,
        (unsigned long long)st.receive_pending_max,
        (unsigned long long)st.inbound_parked,
        (unsigned long long)st.inbound_dropped, (unsigned long long)st.stalls,
        (unsigned long long)st.stale_frames,
        (unsigned long long)st.credit_waits, (unsigned long long)st.dropped,
        proc_kb("VmHWM"), proc_kb("VmRSS"), (long long)ss.live_messages,
        (long long)atomic_load(&g_live_max));
    fflush(stdout);
}

/* --- the flooder ---------------------------------------------------------- */

static akt_ref g_target;
static double g_seconds;
static _Atomic int64_t g_sent, g_asks, g_ask_ok, g_ask_failed;
static atomic_bool g_stop;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
teller(void *arg)
{
    (void)arg;
    int64_t n = 0;
    while (!atomic_load(&g_stop)) {
        rt_Ping *p = rt_ping_new(n);
        if (p == NULL) {
            continue;
        }
        akt_err rc = akt_tell(g_target, p, AKT_REF_NONE);
        if (rc == AKT_OK) {
            atomic_fetch_add(&g_sent, 1);
            n++;
        } else {
            akt_msg_free(p); /* FAIL / BLOCK timed out: ours, not sent */
        }
    }
    return NULL;
}

static void *
asker(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_stop)) {
        akt_future *f;
        if (akt_ask(g_target, rt_ping_new(-1), 5000000000LL, &f) != AKT_OK) {
            continue;
        }
        atomic_fetch_add(&g_sent, 1);
        atomic_fetch_add(&g_asks, 1);
        void *reply = NULL;
        akt_err rc = akt_future_wait(f, 6000000000LL, &reply);
        akt_future_release(f);
        akt_msg_free(reply);
        atomic_fetch_add(rc == AKT_OK ? &g_ask_ok : &g_ask_failed, 1);
    }
    return NULL;
}

static void
flood(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, teller, NULL);
    pthread_create(&b, NULL, asker, NULL);
    double end = now_s() + g_seconds;
    while (now_s() < end) {
        pause_us(10000);
    }
    atomic_store(&g_stop, true);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("DONE sent=%lld asks=%lld ask_ok=%lld ask_failed=%lld\n",
        (long long)atomic_load(&g_sent), (long long)atomic_load(&g_asks),
        (long long)atomic_load(&g_ask_ok),
        (long long)atomic_load(&g_ask_failed));
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 5) {
        fprintf(stderr,
            "usage: flow_node sink URL MAILBOX DELAY_US [CONFIG]\n"
            "       flow_node flood URL TARGET_PATH SECONDS [CONFIG]\n");
        return 2;
    }
    bool sink = strcmp(argv[1], "sink") == 0;
    const char *extra = argc > 5 ? argv[5] : "";
    akt_system *sys;
    if (akt_system_create(sink ? "sinknode" : "floodnode", NULL, &sys)
        != AKT_OK) {
        return 1;
    }
    akt_system_on_dead_letter(sys, on_dead, NULL, NULL);
    akt_registry *reg;
    akt_registry_new(&reg);
    rt_register_types(reg);
    akt_config *cfg;
    if (akt_config_parse_string(extra, strlen(extra), "flow_node", &cfg, NULL)
        != AKT_OK) {
        fprintf(stderr, "flow_node: bad CONFIG\n");
        return 1;
    }
    akt_remote_options o
        = { .listen_url = argv[2], .registry = reg, .config = cfg };
    akt_err rc = akt_remote_start(sys, &o);
    if (rc != AKT_OK) {
        fprintf(stderr, "flow_node: akt_remote_start: %s\n", akt_strerror(rc));
        return 1;
    }
    if (sink) {
        g_delay_us = atol(argv[4]);
        akt_mailbox_opts mb = { .kind = AKT_MAILBOX_BOUNDED,
            .capacity = 16,
            .overflow = strcmp(argv[3], "fail") == 0 ? AKT_OVERFLOW_FAIL
                                                     : AKT_OVERFLOW_BLOCK,
            .block_timeout_ns = 10000000000LL };
        akt_props ps = { .behavior = &slow_b,
            .mailbox = strcmp(argv[3], "default") == 0 ? NULL : &mb };
        akt_ref ref;
        if (akt_spawn(sys, &ps, "slow", &ref) != AKT_OK) {
            return 1;
        }
    } else {
        g_seconds = atof(argv[4]);
        if (akt_remote_ref(sys, argv[3], &g_target) != AKT_OK) {
            fprintf(stderr, "flow_node: bad target %s\n", argv[3]);
            return 1;
        }
    }
    pthread_t samp;
    if (pthread_create(&samp, NULL, sampler, sys) != 0) {
        return 1;
    }
    char addr[512];
    akt_remote_address(sys, addr, sizeof(addr));
    printf("READY %s 0\n", addr);
    char line[64];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strncmp(line, "stats", 5) == 0) {
            print_stats(sys);
        } else if (strncmp(line, "go", 2) == 0 && !sink) {
            flood();
        }
    }
    atomic_store(&g_sampling, false);
    pthread_join(samp, NULL);
    akt_remote_stop(sys);
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    return 0;
}
